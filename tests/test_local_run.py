"""Running the service locally: `make run` on a fresh copy of the project with no DATABASE_URL (the
embedded PostgreSQL), and gunicorn keeping Django's debug pages on this machine."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import PROJECT, HttpClient, database_url, free_port, wait_until
from tests.support import DATA, SAMPLE_ANSWER

# This interpreter's environment (.venv here; /usr/local in the test image): `make run` in the copy
# reuses it, never installs. Not sys.prefix: a distribution's python reports /usr from /usr/local/bin.
VENV = Path(sys.executable).parent.parent


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder of this test's own: pytest's tmp_path may be pruned by another pytest session of the
    same user while this one runs (it keeps three), and a server's data must not vanish under it."""
    folder = Path(tempfile.mkdtemp(prefix="deals-local-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def fresh_copy(destination: Path) -> Path:
    """The files a clone of this working tree would have: tracked, or new and not ignored.

    In the test image there is no git checkout (.dockerignore leaves .git out): the image's copy of
    the project is already only what a clone has, less what a run leaves behind.
    """
    if not (PROJECT / ".git").exists():
        leftovers = shutil.ignore_patterns(".data", "__pycache__", ".pytest_cache", ".hypothesis", "staticfiles")
        shutil.copytree(PROJECT, destination, ignore=leftovers)
        return destination
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = PROJECT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def processes_inside(folder: Path) -> list[str]:
    """Processes whose working directory or command line is in `folder` (gunicorn, postgres)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if cwd.startswith(str(folder)) or str(folder) in command:
            found.append(f"{entry.name}: {command}")
    return found


def local_env(**overrides: str) -> dict[str, str]:
    """The environment of a developer who configured nothing: no DATABASE_URL, HOST, DEBUG or Redis."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "HOST", "DJANGO_DEBUG", "REDIS_URL"}}
    return {**env, **overrides}


def test_make_run_on_a_fresh_copy_serves_the_sample_on_the_embedded_postgres_then_leaves_nothing_running(scratch):
    project = fresh_copy(scratch / "p")  # short: the embedded server's socket lives in the copy
    port = free_port()
    log_path = scratch / "make-run.log"
    env = local_env(PORT=str(port), WEB_CONCURRENCY="2", GUNICORN_GRACEFUL_TIMEOUT="10")
    # -o: the copy's requirements files are newer than this venv's stamp; do not reinstall.
    command = ["make", "-o", f"{VENV}/.installed", "run", f"VENV={VENV}"]
    with log_path.open("wb") as log:
        make = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=log, start_new_session=True)
    server = HttpClient(port)

    def answers() -> bool:
        if make.poll() is not None:
            raise RuntimeError(f"make run exited with {make.returncode}: {log_path.read_text()}")
        try:
            return server.get().status == 200
        except OSError:
            return False

    try:
        wait_until(answers, "make run", seconds=180)
        assert server.post_csv((DATA / "deals.csv").read_bytes()).status == 200
        assert server.report() == SAMPLE_ANSWER
    finally:
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole process group
        make.wait(timeout=120)

    log = log_path.read_text()
    assert f"Listening at: http://127.0.0.1:{port}" in log  # HOST unset: this machine only
    assert (project / ".data" / "postgres" / "PG_VERSION").is_file()  # kept for the next run
    try:
        wait_until(lambda: not processes_inside(project), "every process of the copy to exit", seconds=120)
    except TimeoutError:
        pytest.fail(f"still running after make run ended: {processes_inside(project)}")


def test_a_server_whose_last_user_was_killed_outright_is_stopped_by_its_watchdog(scratch):
    """SIGKILL runs no exit handler (gunicorn ends a worker that overstays its graceful timeout so)."""
    project = fresh_copy(scratch / "k")
    user = subprocess.Popen(
        [sys.executable, "-c", "from core import embedded_postgres as e; e.attach(); print('up', flush=True); input()"],
        cwd=project,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert user.stdout.readline() == b"up\n"
    assert (project / ".data" / "postgres" / "postmaster.pid").is_file()
    user.kill()
    user.wait()
    try:
        wait_until(lambda: not processes_inside(project), "the orphaned server to stop", seconds=120)
    except TimeoutError:
        pytest.fail(f"still running after its last user was killed: {processes_inside(project)}")


def gunicorn_env(**overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        **overrides,
    }


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.org"])
def test_gunicorn_refuses_to_serve_debug_pages_beyond_this_machine(host):
    env = gunicorn_env(DJANGO_DEBUG="1", HOST=host)
    refused = subprocess.run(
        [str(VENV / "bin" / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert f"Refusing to start: DJANGO_DEBUG is on and HOST={host} is reachable from other machines" in refused.stderr


def test_gunicorn_serves_debug_pages_on_the_loopback(db, scratch):
    env = gunicorn_env(DJANGO_DEBUG="1", HOST="127.0.0.1", DATABASE_URL=database_url())
    log_path = scratch / "gunicorn.log"
    with log_path.open("wb") as log:
        gunicorn = subprocess.Popen(
            [str(VENV / "bin" / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=PROJECT, env=env, stdout=log, stderr=log
        )
    server = HttpClient(int(env["PORT"]))

    def answers() -> bool:
        if gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {gunicorn.returncode}: {log_path.read_text()}")
        try:
            return server.get("/healthz").status == 200
        except OSError:
            return False

    try:
        wait_until(answers, "gunicorn", seconds=60)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=60)


HOLD_THE_SERVER = """
import sys
from core import embedded_postgres
import psycopg2

embedded_postgres.attach()
psycopg2.connect(embedded_postgres.url()).close()
print((embedded_postgres.PGDATA / "postmaster.pid").read_text().split()[0], flush=True)
sys.stdin.read()  # hold it until the test closes our standard input
"""


def test_processes_starting_at_once_share_one_embedded_server_and_the_last_one_out_stops_it(scratch):
    project = fresh_copy(scratch / "p")
    users = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD_THE_SERVER],
            cwd=project,
            env=local_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        postmasters = {user.stdout.readline().strip() for user in users}  # each waits for its own start
    finally:
        for user in users:
            user.stdin.close()
            user.wait(timeout=120)
    assert [user.returncode for user in users] == [0, 0, 0, 0]
    assert len(postmasters) == 1 and postmasters != {""}
    wait_until(lambda: not processes_inside(project), "the embedded server to stop", seconds=60)
