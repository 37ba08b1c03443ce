"""The swap under load: readers never wait and never see a mix, long readers never block a load,
and uploads are serialized. These tests commit, so they use real transactions and threads."""

import io
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import pytest
from django.db import connection

from deals.errors import UploadError
from deals.load.cleanup import loads_sweep
from deals.load.loader import deals_load
from tests.support import csv_of, post_csv, psql_session, report, staging_tables

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]

OLD = csv_of(("old", "Ruby", 10), ("old2", "Ruby", 5))
NEW = csv_of(("new", "Opal", 99), ("new2", "Opal", 1), ("new3", "Jade", 1))


def psql():
    return closing(psql_session())


def query(session, sql: str, timeout_ms: int = 2000):
    with session.cursor() as cursor:
        cursor.execute("SET statement_timeout = %s", [timeout_ms])
        cursor.execute(sql)
        return cursor.fetchall()


class LoadInThread(threading.Thread):
    def __init__(self, content: bytes) -> None:
        super().__init__(daemon=True)
        self.content, self.result, self.error = content, None, None

    def run(self) -> None:
        try:
            self.result = deals_load(file=io.BytesIO(self.content))
        except Exception as error:  # handed to the test thread
            self.error = error
        finally:
            connection.close()


def waiting_pids(session, relation: str) -> list[int]:
    rows = query(
        session,
        f"SELECT pid FROM pg_locks WHERE NOT granted AND relation = '{relation}'::regclass",
    )
    return [pid for (pid,) in rows]


@contextmanager
def load_held_before_commit(content: bytes) -> Iterator[tuple[LoadInThread, int]]:
    """Run a load that has copied, attached and published, and is held just before it commits.

    A concurrent refresh of the report, left uncommitted here, holds the EXCLUSIVE lock that the
    load's own REFRESH ... CONCURRENTLY needs at its last step; readers take ACCESS SHARE, which
    conflicts with neither.
    """
    with psql() as holder:
        cursor = holder.cursor()
        cursor.execute("BEGIN; REFRESH MATERIALIZED VIEW CONCURRENTLY top_customers")
        load = LoadInThread(content)
        load.start()
        with psql() as observer:
            deadline = time.monotonic() + 10
            while not (pids := waiting_pids(observer, "top_customers")):
                assert time.monotonic() < deadline, "the load never reached its refresh"
                time.sleep(0.02)
            yield load, pids[0]
        holder.rollback()
    load.join(timeout=10)


def locks_held(session, pid: int) -> dict[str, set[str]]:
    rows = query(
        session,
        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        f"WHERE l.pid = {pid} AND l.granted AND c.relnamespace = 'public'::regnamespace",
    )
    held: dict[str, set[str]] = {}
    for name, mode in rows:
        held.setdefault(name, set()).add(mode)
    return held


def test_the_report_and_the_deals_view_are_read_without_waiting_during_a_load(client):
    post_csv(client, OLD)
    before = report(client)
    with load_held_before_commit(NEW) as (load, _), psql() as analyst:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 2000")
        assert report(client) == before
        assert query(analyst, "SELECT customer, total FROM deals ORDER BY customer") == [("old", 10), ("old2", 5)]
    assert load.error is None
    assert [entry["username"] for entry in report(client)] == ["new", "new2", "new3"]


def test_a_load_takes_no_lock_that_a_reader_would_wait_for(client):
    post_csv(client, OLD)
    with load_held_before_commit(NEW) as (load, pid), psql() as observer:
        held = locks_held(observer, pid)
    print("locks held by the load just before commit:", held)
    readers_conflict_with = {"AccessExclusiveLock"}
    for relation in ("deal_rows", "deals", "dataset", "top_customers", "top_customers_username_index"):
        assert not held.get(relation, set()) & readers_conflict_with, relation
    assert held["deal_rows"] == {"AccessShareLock", "ShareUpdateExclusiveLock"}
    # Its own new partition is locked exclusively too, but no other session can even see that table yet.
    assert load.error is None


def test_a_long_query_in_psql_does_not_stop_a_load_and_its_old_rows_go_later(client, settings):
    settings.DEALS_CLEANUP_LOCK_TIMEOUT_MS = 100
    post_csv(client, OLD)
    old_tables = staging_tables()
    with psql() as analyst:
        analyst.cursor().execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        assert query(analyst, "SELECT count(*) FROM deals") == [(2,)]
        started = time.monotonic()
        assert post_csv(client, NEW).status_code == 200
        assert time.monotonic() - started < 5
        assert query(analyst, "SELECT count(*) FROM deals") == [(2,)]  # its snapshot still sees the old data
        assert set(old_tables) < set(staging_tables())  # the old partition is kept while it is read
        analyst.rollback()
    post_csv(client, OLD)
    assert len(staging_tables()) == 1


def test_an_upload_waits_for_the_one_in_progress_and_the_last_to_commit_wins(client):
    post_csv(client, OLD)
    with load_held_before_commit(NEW) as (first, _):
        second = LoadInThread(OLD)
        second.start()
        time.sleep(0.5)
        assert second.is_alive(), "the second upload should wait for the first"
    second.join(timeout=10)
    assert first.error is None and second.error is None
    assert second.result.load_id > first.result.load_id
    assert [entry["username"] for entry in report(client)] == ["old", "old2"]
    loads_sweep()  # the waiting upload's old snapshot may have kept the first one's cleanup from it
    assert len(staging_tables()) == 1


def test_an_upload_that_waits_too_long_is_refused_with_409(client, settings):
    settings.DEALS_LOAD_WAIT_SECONDS = 1
    post_csv(client, OLD)
    with load_held_before_commit(NEW):
        response = post_csv(client, OLD)
        assert response.status_code == 409
        assert response.json() == {
            "Status": "Error",
            "Desc": "another upload is being loaded and did not finish in time; try again when it has finished",
        }
    assert [entry["username"] for entry in report(client)] == ["new", "new2", "new3"]


def test_a_failed_load_leaves_no_table_behind(client):
    post_csv(client, OLD)
    tables = staging_tables()
    with pytest.raises(UploadError):
        deals_load(file=io.BytesIO(csv_of(("x", "Ruby", 1)) + b"y,Ruby,oops,1,2018-01-01\n"))
    assert staging_tables() == tables
    assert [entry["username"] for entry in report(client)] == ["old", "old2"]


def test_an_upload_refused_while_it_waits_for_the_load_lock_records_why(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from deals.models import Upload

    big = csv_of(*[("carol", "Opal", n) for n in range(100_000)])  # more than the stream's pipe holds
    with psql() as holder:
        holder.cursor().execute("BEGIN; SELECT pg_advisory_xact_lock(hashtext('deals-report: load'))")
        files = [SimpleUploadedFile(f"deals{n}.csv", big, "text/csv") for n in (1, 2)]
        response = client.post("/api/deals/", {"deals": files}, format="multipart")
        holder.rollback()
    assert response.status_code == 400
    upload = Upload.objects.get()
    assert (upload.status, upload.error) == ("failed", response.json()["Desc"])
