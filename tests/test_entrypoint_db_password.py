"""The stack's database password: docker/entrypoint-db.sh (the db service's entrypoint, in front of the
postgres image's own) keeps it in DATABASE_PASSWORD_FILE, generated on the first start unless
POSTGRES_PASSWORD is set, hands it to the image's entrypoint, and sets it on a cluster that exists
already; the web service's settings read the same file.

The script runs for real, as root, as the container runs it; the image's own entrypoint and its
gosu are stood in for by the small programs below (they record what they were given / switch user),
and the existing cluster is a real one made with the embedded wheel's PostgreSQL.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
import yaml

from core import embedded_postgres
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
DB_ENTRYPOINT = ROOT / "docker" / "entrypoint-db.sh"
DB_ENVIRONMENT = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["db"]["environment"]
OWNER = DB_ENVIRONMENT["DATABASE_PASSWORD_OWNER"]  # the web image's uid:gid
COMMAND = ["postgres", "-c", "wal_level=minimal"]

IMAGE_ENTRYPOINT = f"""#!{sys.executable}
# Stands in for the postgres image's docker-entrypoint.sh: records what it was given.
import json, os, sys
json.dump({{"args": sys.argv[1:], "env": dict(os.environ)}}, open(os.environ["IMAGE_ENTRYPOINT_RECORD"], "w"))
"""
GOSU = f"""#!{sys.executable}
# gosu UID:GID COMMAND...: what the postgres image's gosu does with the uid:gid the script gives it.
import os, shutil, sys
uid, gid = map(int, sys.argv[1].split(":"))
program = shutil.which(sys.argv[2])  # before the switch: this interpreter's files may be root's only
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
os.execv(program, sys.argv[2:])
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the db entrypoint runs as root, as in the container")


@pytest.fixture
def stand_ins(tmp_path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for name, text in {"docker-entrypoint.sh": IMAGE_ENTRYPOINT, "gosu": GOSU}.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o755)
    return folder


def start_db(stand_ins: Path, password_file: Path, pgdata: Path, *command: str, **env: str) -> dict:
    """Run the db entrypoint as the container does; what the image's entrypoint was given."""
    record = stand_ins.parent / "image-entrypoint.json"
    record.unlink(missing_ok=True)
    base = {name: value for name, value in os.environ.items() if not name.startswith(("POSTGRES_", "PG"))}
    done = subprocess.run(
        ["bash", str(DB_ENTRYPOINT), *(command or COMMAND)],
        env={
            **base,
            "PATH": os.pathsep.join([str(stand_ins), str(embedded_postgres.psql_path().parent), os.environ["PATH"]]),
            "PGDATA": str(pgdata),
            "PGPORT": str(free_port()),
            "DATABASE_PASSWORD_FILE": str(password_file),
            "DATABASE_PASSWORD_OWNER": OWNER,
            "IMAGE_ENTRYPOINT_RECORD": str(record),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(record.read_text())


def test_the_first_start_generates_a_long_random_password_only_the_web_user_may_read(stand_ins, tmp_path):
    password_file = tmp_path / "password"

    given = start_db(stand_ins, password_file, tmp_path / "data")

    password = password_file.read_text().rstrip("\n")
    assert len(password) >= 40 and len(set(password)) >= 10
    assert given["env"]["POSTGRES_PASSWORD"] == password
    assert given["args"] == COMMAND
    status = password_file.stat()
    assert f"{status.st_uid}:{status.st_gid}" == OWNER
    assert stat.S_IMODE(status.st_mode) == 0o400
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith("password")] == ["password"]


def test_later_starts_keep_the_password_and_another_volume_gets_another(stand_ins, tmp_path):
    first = start_db(stand_ins, tmp_path / "password", tmp_path / "data")["env"]["POSTGRES_PASSWORD"]

    assert start_db(stand_ins, tmp_path / "password", tmp_path / "data")["env"]["POSTGRES_PASSWORD"] == first
    assert start_db(stand_ins, tmp_path / "other", tmp_path / "data")["env"]["POSTGRES_PASSWORD"] != first


def test_the_operators_password_replaces_the_kept_one(stand_ins, tmp_path):
    password_file = tmp_path / "password"
    start_db(stand_ins, password_file, tmp_path / "data")

    given = start_db(stand_ins, password_file, tmp_path / "data", POSTGRES_PASSWORD='it\'s "mine" $HOME')

    assert given["env"]["POSTGRES_PASSWORD"] == 'it\'s "mine" $HOME'
    assert password_file.read_text() == 'it\'s "mine" $HOME\n'
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o400


def test_the_web_settings_read_the_password_the_database_was_given(stand_ins, tmp_path):
    password_file = tmp_path / "password"
    given = start_db(stand_ins, password_file, tmp_path / "data")

    seen_by_django = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DATABASES['default']['PASSWORD'])"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "core.settings",
            "DATABASE_URL": "postgres://postgres@db:5432/deals",
            "DATABASE_PASSWORD_FILE": str(password_file),
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout.rstrip("\n")

    assert seen_by_django == given["env"]["POSTGRES_PASSWORD"]


def test_another_command_runs_untouched(stand_ins, tmp_path):
    given = start_db(stand_ins, tmp_path / "password", tmp_path / "data", "bash", "-c", "true")

    assert given["args"] == ["bash", "-c", "true"]
    assert not (tmp_path / "password").exists()


class Cluster:
    """A PostgreSQL data folder of the test's own, as an old `pgdata` volume holds one: made with
    `password` for the superuser, password authentication over TCP, trust on the socket."""

    def __init__(self, password: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="deals-db-password-", dir="/tmp"))
        self.user = embedded_postgres.programs_user(self.folder)
        self.pgdata = self.folder / "data"
        self.bin = embedded_postgres.psql_path().parent
        self.port = free_port()
        (self.folder / "old-password").write_text(password)
        shutil.chown(self.folder / "old-password", self.user)
        self._run("initdb", "-D", self.pgdata, "-U", "postgres", "--pwfile", self.folder / "old-password",
                  "--auth-local=trust", "--auth-host=scram-sha-256")  # fmt: skip
        with (self.pgdata / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 127.0.0.1/32 scram-sha-256\n")

    def _run(self, program: str, *args) -> None:
        # Output to a file, not a pipe: the server pg_ctl starts would hold a pipe open.
        with (self.folder / "commands.log").open("ab") as log:
            subprocess.run([self.bin / program, *map(str, args)], user=self.user, check=True, stdout=log, stderr=log)

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        self._run("pg_ctl", "-D", self.pgdata, "-l", self.folder / "log", "-o", options, "-w", "start")

    def logs_in_with(self, password: str) -> bool:
        try:
            with closing(psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", password=password,
                                          dbname="postgres", connect_timeout=10)):  # fmt: skip
                return True
        except psycopg2.OperationalError as error:
            assert "password authentication failed" in str(error)
            return False

    def remove(self) -> None:
        self._run("pg_ctl", "-D", self.pgdata, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder)


@pytest.fixture
def old_volume():
    cluster = Cluster(password="deals")  # the stack's former fixed default
    try:
        yield cluster
    finally:
        if (cluster.pgdata / "postmaster.pid").exists():
            cluster.remove()
        else:
            shutil.rmtree(cluster.folder)


def test_a_cluster_made_with_the_old_password_is_given_the_kept_one(stand_ins, tmp_path, old_volume):
    password_file = tmp_path / "password"

    start_db(stand_ins, password_file, old_volume.pgdata)
    old_volume.start()

    assert old_volume.logs_in_with(password_file.read_text().rstrip("\n"))
    assert not old_volume.logs_in_with("deals")
