"""Cleanup of old loads never changes what a reader sees, never holds up an upload, is retried in the
background, and is bounded: past the bound, uploads are refused naming the session in the way.

These tests commit, and hold psql-like sessions of their own open across uploads."""

import threading
from contextlib import closing

import pytest
from django.db import connection
from rest_framework.test import APIClient

from deals.load import partitions
from deals.load.cleanup import loads_sweep
from deals.load.loader import deals_load
from deals.models import Upload
from tests.live_server import Gunicorn, database_url, wait_until
from tests.support import HEADER, csv_of, post_csv, psql_session, report, staging_tables

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]

OLD = csv_of(("old", "Ruby", 10), ("old2", "Ruby", 5))
NEW = csv_of(("new", "Opal", 99))
NEWER = csv_of(("newer", "Jade", 7))


@pytest.fixture(autouse=True)
def short_lock_waits(settings):
    settings.DEALS_CLEANUP_LOCK_TIMEOUT_MS = 100


def rows(session, sql: str = "SELECT customer, total FROM deals ORDER BY customer") -> list[tuple]:
    with session.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def live_table() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'deal_rows_' || live_load FROM dataset")
        return cursor.fetchone()[0]


def pending_detach() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits"
            " WHERE inhparent = 'deal_rows'::regclass AND inhdetachpending"
        )
        return [name for (name,) in cursor.fetchall()]


def test_a_repeatable_read_session_keeps_reading_the_old_rows_until_it_ends(client):
    post_csv(client, OLD)
    old = live_table()
    with closing(psql_session()) as analyst:
        analyst.cursor().execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        before = rows(analyst)
        assert post_csv(client, NEW).status_code == 200
        assert loads_sweep().held.keys() == {old}  # any number of passes while it is open
        assert rows(analyst) == before == [("old", 10), ("old2", 5)]
        assert old in staging_tables()
        analyst.rollback()
    assert loads_sweep().dropped == [old]
    assert staging_tables() == [live_table()]


def test_a_snapshot_taken_before_the_upload_sees_the_old_rows_even_if_it_had_not_read_them(client):
    post_csv(client, OLD)
    with closing(psql_session()) as analyst:
        analyst.cursor().execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        assert rows(analyst, "SELECT 1") == [(1,)]  # the snapshot is taken; deal_rows is not touched
        assert post_csv(client, NEW).status_code == 200
        loads_sweep()
        assert rows(analyst) == [("old", 10), ("old2", 5)]  # not an empty deals
        analyst.rollback()


def test_a_session_idle_in_transaction_with_a_lock_on_an_old_partition_delays_only_its_drop(client):
    post_csv(client, OLD)
    old = live_table()
    with closing(psql_session()) as analyst:
        analyst.cursor().execute(f"BEGIN; LOCK TABLE {old} IN ACCESS SHARE MODE")  # then idle in transaction
        assert post_csv(client, NEW).status_code == 200  # the upload is not held up
        assert report(client)[0]["username"] == "new"
        assert loads_sweep().held == {old: "a session holds a lock on it"}  # asks for no lock behind it
        assert rows(analyst, f"SELECT count(*) FROM {old}") == [(2,)]  # the holder still reads it
        with closing(psql_session(autocommit=True)) as reader:  # other readers never wait for it
            reader.cursor().execute("SET statement_timeout = '5s'")
            assert rows(reader) == [("new", 99)]
        analyst.rollback()
    assert loads_sweep().dropped == [old]
    assert staging_tables() == [live_table()]


def test_a_detach_interrupted_by_a_lock_on_deal_rows_is_finalized_by_a_later_pass(client):
    post_csv(client, OLD)
    old = live_table()
    with closing(psql_session()) as analyst:
        analyst.cursor().execute("BEGIN; LOCK TABLE ONLY deal_rows IN ACCESS SHARE MODE")  # then idle
        assert post_csv(client, NEW).status_code == 200
        assert pending_detach() == [old]  # DETACH CONCURRENTLY waited for it, then stopped at lock_timeout
        assert rows(analyst) == [("new", 99)]  # invisible to new queries, even the holder's
        assert loads_sweep().dropped == [old]  # FINALIZE waits only for older snapshots: it has none
        analyst.rollback()
    assert pending_detach() == []
    assert staging_tables() == [live_table()]


def test_past_the_bound_an_upload_is_refused_with_503_naming_the_session_that_holds_old_loads(client, settings):
    settings.DEALS_KEEP_LOADS, settings.DEALS_MAX_STALE_LOADS, settings.DEALS_CLEANUP_INTERVAL_SECONDS = 1, 2, 30
    post_csv(client, OLD)
    with closing(psql_session()) as analyst:
        analyst.cursor().execute("SET application_name = 'analyst-psql'; BEGIN ISOLATION LEVEL REPEATABLE READ")
        rows(analyst)
        pid = analyst.get_backend_pid()
        assert post_csv(client, NEW).status_code == 200
        assert post_csv(client, NEWER).status_code == 200
        assert len(staging_tables()) == 3  # the bound: 1 kept + 2 waiting for their reader
        refused = post_csv(client, OLD)
        assert refused.status_code == 503
        assert refused["Retry-After"] == "30"
        desc = refused.json()["Desc"]
        assert desc.startswith("the database holds 3 loads, the most DEALS_KEEP_LOADS + DEALS_MAX_STALE_LOADS allow")
        assert f'session pid {pid} (application "analyst-psql"' in desc
        assert (Upload.objects.first().status, Upload.objects.first().error) == ("failed", desc)
        assert [entry["username"] for entry in report(client)] == ["newer"]  # nothing changed
        assert len(staging_tables()) == 3
        analyst.rollback()
    assert post_csv(client, OLD).status_code == 200  # its own pass makes room first
    assert staging_tables() == [live_table()]


def test_a_crashed_loads_table_is_dropped_unless_its_load_is_still_running(client):
    post_csv(client, OLD)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE deal_rows_9001 (LIKE deal_rows)")  # left by a crash
        cursor.execute("CREATE TABLE deal_rows_9002 (LIKE deal_rows)")  # its load still runs:
    with closing(psql_session()) as running_load:
        running_load.cursor().execute("BEGIN; SELECT pg_advisory_xact_lock(hashtext('deals-report: load owner'), 9002)")
        sweep = loads_sweep()
        assert sweep.dropped == ["deal_rows_9001"]
        assert "deal_rows_9002" in staging_tables()
        running_load.rollback()
    assert loads_sweep().dropped == ["deal_rows_9002"]
    assert staging_tables() == [live_table()]


def test_a_load_partitioned_itself_is_dropped_with_every_table_under_it(client):
    post_csv(client, OLD)
    with connection.cursor() as cursor:  # as a load with one table per COPY stream would be
        cursor.execute(
            "CREATE TABLE deal_rows_9003 (LIKE deal_rows INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            " PARTITION BY RANGE (total);"
            "CREATE TABLE deal_rows_9003_1 PARTITION OF deal_rows_9003 FOR VALUES FROM (0) TO (100);"
            "CREATE TABLE deal_rows_9003_2 PARTITION OF deal_rows_9003 DEFAULT;"
            "INSERT INTO deal_rows_9003 (load_id, customer, item, total, quantity, date)"
            " VALUES (9003, 'tree', 'Opal', 5, 1, now()), (9003, 'tree2', 'Opal', 500, 1, now());"
            "ALTER TABLE deal_rows ATTACH PARTITION deal_rows_9003 FOR VALUES IN (9003);"
            "UPDATE dataset SET live_load = 9003, published_at = now()"
        )
    assert [entry["username"] for entry in report(client)] != []
    assert post_csv(client, NEW).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname ~ '^deal_rows_9003'")
        assert cursor.fetchall() == []
    assert staging_tables() == [live_table()]


class HeldFile:
    """A deals.csv read in parts: the last one only once released (the upload held mid-file)."""

    def __init__(self, *parts: bytes) -> None:
        self._parts = list(parts)
        self.release = threading.Event()

    def read(self, size: int = -1) -> bytes:
        if len(self._parts) == 1:
            self.release.wait(60)
        return self._parts.pop(0) if self._parts else b""


def test_a_running_loads_copy_streams_are_not_taken_for_readers_of_old_loads(settings):
    """Their snapshots read only their own tables: counting them would refuse uploads side by side (503)."""
    settings.DEALS_COPY_STREAMS, settings.DEALS_COPY_BATCH_BYTES = 2, 1
    # The first part is more than the header's sample (SAMPLE_BYTES), so the second reaches the streams.
    first = csv_of(*[(f"customer{n % 100}", "Ruby", 1) for n in range(30_000)])
    second, last = (csv_of((name, "Ruby", total))[len(HEADER) + 1 :] for name, total in [("more", 1), ("big", 10**6)])
    file = HeldFile(first, second, last)
    load = threading.Thread(target=deals_load, kwargs={"file": file}, daemon=True)
    load.start()
    try:
        streams = wait_until(lambda: len(pids := copy_pids()) == 2 and pids, "both COPY streams running")
        with closing(psql_session()) as cleanup, cleanup.cursor() as cursor:
            unknown_retirement = partitions.StalePartition("deal_rows_1", pending=False, retired_xid=None)
            holders = partitions.holders(cursor, unknown_retirement, with_locks=False)
        assert not {holder.pid for holder in holders} & set(streams)
    finally:
        file.release.set()
        load.join(60)
    assert report(APIClient())[0] == {"username": "big", "spent_money": 10**6, "gems": ["Ruby"]}


def copy_pids() -> list[int]:
    with closing(psql_session(autocommit=True)) as session, session.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_progress_copy WHERE datname = current_database()")
        return [pid for (pid,) in cursor.fetchall()]


def test_every_worker_retries_in_the_background_without_waiting_for_an_upload(tmp_path, monkeypatch):
    monkeypatch.setenv("DEALS_CLEANUP_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("DEALS_CLEANUP_LOCK_TIMEOUT_MS", "100")
    with Gunicorn(database_url=database_url(), log_path=tmp_path / "gunicorn.log") as server:
        assert server.post_csv(OLD).status == 200
        old = live_table()
        with closing(psql_session()) as analyst:
            analyst.cursor().execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            rows(analyst)
            assert server.post_csv(NEW).status == 200
            assert old in staging_tables()
            analyst.rollback()
        wait_until(lambda: old not in staging_tables(), "the background cleanup pass", seconds=60)
        assert staging_tables() == [live_table()]
