"""The database's failures are told apart by SQLSTATE, not by the driver's exception class: a
cancelled statement, a value over one of PostgreSQL's limits and an unreachable server each get
their own status and sentence, recorded exactly as answered, and nothing changes."""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from django.db import connection

from deals import driver, messages
from deals.errors import Failure, as_failure
from deals.models import Upload
from deals.sql import read_sql
from tests.live_server import PROJECT, Gunicorn, RawUpload, database_url, free_port, wait_until
from tests.reference import as_csv, random_deals
from tests.support import (
    SAMPLE_ANSWER,
    csv_of,
    idle_in_transaction_backends,
    post_csv,
    psql_session,
    recorded_answers,
    report,
    staging_tables,
    upload_statuses,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]


def real_error(sql: str) -> Exception:
    """The error PostgreSQL raises for `sql`, through Django's cursor (wrapped as the service sees it)."""
    with connection.cursor() as cursor:
        try:
            cursor.execute(sql)
        except Exception as error:
            return error
    raise AssertionError(f"{sql!r} did not fail")


def cancel_when_waiting_for_the_load_lock(observer) -> None:
    """Cancel (pg_cancel_backend) the backend that waits for the publish lock, once it does."""
    deadline = time.monotonic() + 60
    with observer.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            waiting = cursor.fetchall()
            if waiting:
                cursor.execute("SELECT pg_cancel_backend(%s)", waiting[0])
                return
            assert time.monotonic() < deadline, "no load ever waited for the lock"
            time.sleep(0.05)


def test_a_cancelled_statement_is_a_503_that_says_so_recorded_as_answered(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    tables = staging_tables()
    with closing(psql_session()) as holder, closing(psql_session(autocommit=True)) as observer:
        holder.cursor().execute("BEGIN; " + read_sql("load/publish_lock"))  # a load publishing, as it were
        canceller = threading.Thread(target=cancel_when_waiting_for_the_load_lock, args=(observer,))
        canceller.start()
        response = post_csv(client, csv_of(("bob", "Ruby", 5)))
        canceller.join(timeout=60)
        holder.rollback()
    assert response.status_code == 503
    assert response.json() == {"Status": "Error", "Desc": messages.STATEMENT_CANCELLED}
    assert response["Retry-After"].isdigit()
    last = Upload.objects.order_by("id").last()
    assert (last.http_status, last.error) == (503, messages.STATEMENT_CANCELLED)
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == tables


def test_a_value_over_a_postgresql_limit_names_the_limit():
    error = real_error("SELECT concat(" + ", ".join(["1"] * 101) + ")")  # SQLSTATE 54023
    failure = as_failure(error)
    assert failure.kind is Failure.OVER_DATABASE_LIMIT
    assert failure.desc == messages.over_database_limit("cannot pass more than 100 arguments to a function")


def test_a_server_that_refuses_connections_is_unreachable_not_a_bug():
    with pytest.raises(driver.OperationalError) as refused:
        driver.connect({"host": "127.0.0.1", "port": free_port(), "user": "postgres", "connect_timeout": 5})
    assert as_failure(refused.value).kind is Failure.DATABASE_DOWN


def test_a_terminated_backend_is_unreachable_not_a_bug():
    with closing(psql_session(autocommit=True)) as victim, closing(psql_session(autocommit=True)) as admin:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [victim.get_backend_pid()])
        with pytest.raises(driver.OperationalError) as lost:
            victim.cursor().execute("SELECT 1")
    assert as_failure(lost.value).kind is Failure.DATABASE_DOWN


def test_a_statement_error_that_is_not_the_databases_state_is_a_bug():
    assert as_failure(real_error("SELECT no_such_column FROM dataset")).kind is Failure.INTERNAL


@pytest.fixture
def server(tmp_path):
    with Gunicorn(database_url=database_url(), log_path=tmp_path / "gunicorn.log", workers=1, threads=4) as gunicorn:
        yield gunicorn


def copying_backend() -> int | None:
    """A backend running a COPY on this database (one of a load's streams), if one is."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_progress_copy WHERE datname = current_database() AND command = 'COPY FROM'"
        )
        row = cursor.fetchone()
        return row[0] if row else None


def settled() -> bool:
    return not any(status == "running" for status, _ in upload_statuses()) and idle_in_transaction_backends() == 0


@pytest.mark.server
def test_a_load_whose_backend_is_terminated_mid_upload_is_a_503_recorded_as_answered(server, sample_csv):
    """pg_terminate_backend of one of the load's COPY backends: what a server restart does to it (57P01)."""
    assert server.post_csv(sample_csv).status == 200
    tables = staging_tables()
    upload = RawUpload(server.port, as_csv(random_deals(5, rows=120_000)))
    upload.send(3_500_000)
    wait_until(lambda: copying_backend() is not None, "the load to be copying")
    with closing(psql_session(autocommit=True)) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [copying_backend()])
    upload.send()
    answer = upload.answer()
    assert answer.status == 503
    assert answer.json() == {"Status": "Error", "Desc": messages.DATABASE_DOWN}
    assert answer.headers["retry-after"].isdigit()
    wait_until(settled, "the failed load to be recorded")
    assert recorded_answers()[-1] == ("failed", 503, messages.DATABASE_DOWN)
    assert server.report() == SAMPLE_ANSWER
    assert staging_tables() == tables
    assert "Traceback" not in server.log()


@contextmanager
def tiny_default_tablespace():
    """A 4 MiB tmpfs holding a tablespace that new connections to the test database create tables in.

    Only for what is created inside the block: a table left in it would outlive the tmpfs.
    """
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for a disk-full tablespace needs root")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory'), current_database()")
        data_directory, database = cursor.fetchone()
    if not os.path.isdir(data_directory):
        pytest.skip("PostgreSQL does not run on this machine: a local tmpfs cannot hold its tablespace")
    # The server's OS user owns its data directory (postgres for the machine's server, the embedded
    # server's own user for that one); the tablespace's directory must be its too.
    owner = os.stat(data_directory)
    directory = tempfile.mkdtemp(prefix="deals-tiny-", dir="/tmp")
    name = f"deals_tiny_{uuid.uuid4().hex[:8]}"
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", directory], check=True)
    try:
        os.chown(directory, owner.st_uid, owner.st_gid)
        with closing(psql_session(autocommit=True)) as admin, admin.cursor() as cursor:
            cursor.execute(f"CREATE TABLESPACE {name} LOCATION %s", [directory])
            try:
                cursor.execute(f"ALTER DATABASE {database} SET default_tablespace = {name}")
                try:
                    yield
                finally:
                    cursor.execute(f"ALTER DATABASE {database} RESET default_tablespace")
            finally:
                cursor.execute(f"DROP TABLESPACE {name}")  # PostgreSQL checkpoints first if it must
    finally:
        subprocess.run(["umount", directory], check=True)
        os.rmdir(directory)


@pytest.mark.server
def test_a_full_disk_is_a_507_that_says_so_and_changes_nothing(client, tmp_path, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200  # the live dataset, on the ordinary disk
    tables = staging_tables()
    # gunicorn starts once the tablespace is the database's default: its connections create there.
    with (
        tiny_default_tablespace(),
        Gunicorn(database_url=database_url(), log_path=tmp_path / "gunicorn.log", workers=1) as server,
    ):
        answer = server.post_csv(as_csv(random_deals(6, rows=120_000)))  # far more than 4 MiB of rows
        assert answer.status == 507
        assert answer.json() == {"Status": "Error", "Desc": messages.DISK_FULL}
        wait_until(settled, "the failed load to be recorded")
        assert recorded_answers()[-1] == ("failed", 507, messages.DISK_FULL)
        assert server.report() == SAMPLE_ANSWER
        assert staging_tables() == tables
        assert "Traceback" not in server.log()


class PrivatePostgres:
    """A throwaway PostgreSQL 15 of the test's own (initdb, pg_ctl), which it may restart at will:
    the machine's shared server is never restarted."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="deals-private-pg-", dir="/tmp"))
        self.data = self.directory / "data"
        owner = pwd.getpwnam("postgres")
        os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        self._as_postgres(self.BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-instructions")
        self.start()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/deals"

    def _as_postgres(self, *command) -> None:
        # Output to a file, not a pipe: the server pg_ctl starts would hold a pipe open forever.
        with (self.directory / "commands.log").open("ab") as log:
            subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], check=True, stdout=log, stderr=log)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            self.BIN / "pg_ctl", "-D", self.data, "-l", self.directory / "log", "-o", options, "-w", "start"
        )

    def restart(self) -> None:
        """Stop (fast: every backend is told 57P01 and ends) and start again."""
        self._as_postgres(self.BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "restart")

    def query(self, sql: str) -> list[tuple]:
        with closing(driver.connect({"dsn": self.url})) as session, session.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def remove(self) -> None:
        self._as_postgres(self.BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory)


@pytest.fixture
def private_postgres():
    if os.geteuid() != 0:
        pytest.skip("a private PostgreSQL runs as the postgres OS user, which needs root to switch to")
    if not PrivatePostgres.BIN.is_dir():
        pytest.skip(f"no PostgreSQL 15 server binaries in {PrivatePostgres.BIN}")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres OS user to run a private PostgreSQL")
    server = PrivatePostgres()
    try:
        env = {**os.environ, "DATABASE_URL": server.url, "DJANGO_SECRET_KEY": "test-only-secret", "DJANGO_DEBUG": ""}
        for command in (["createdb"], ["migrate", "--no-input", "-v", "0"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=PROJECT, env=env, check=True, capture_output=True
            )
        yield server
    finally:
        server.remove()


@pytest.mark.server
def test_postgresql_restarted_mid_upload_is_a_503_recorded_as_answered(private_postgres, tmp_path, sample_csv):
    pg = private_postgres
    with Gunicorn(database_url=pg.url, log_path=tmp_path / "gunicorn.log", workers=1) as server:
        assert server.post_csv(sample_csv).status == 200
        tables = pg.query("SELECT relname FROM pg_class WHERE relname LIKE 'deal_rows_%' AND relkind = 'r'")
        upload = RawUpload(server.port, as_csv(random_deals(7, rows=120_000)))
        upload.send(3_500_000)
        wait_until(lambda: pg.query("SELECT count(*) FROM pg_stat_progress_copy")[0][0] > 0, "the load to copy")
        pg.restart()
        upload.send()  # the load learns of the restart when it passes these bytes on
        answer = upload.answer()
        assert answer.status == 503
        assert answer.json() == {"Status": "Error", "Desc": messages.DATABASE_DOWN}
        assert answer.headers["retry-after"].isdigit()
        assert pg.query("SELECT status, http_status, error FROM uploads ORDER BY id DESC LIMIT 1") == [
            ("failed", 503, messages.DATABASE_DOWN)
        ]
        assert server.report() == SAMPLE_ANSWER
        assert pg.query("SELECT relname FROM pg_class WHERE relname LIKE 'deal_rows_%' AND relkind = 'r'") == tables
        assert "Traceback" not in server.log()
