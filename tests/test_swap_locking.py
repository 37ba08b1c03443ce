"""The swap under load: readers never wait and never see a mix, long readers never block a load,
uploads stream side by side and publish one at a time, and every lock wait of a load is bounded.
These tests commit, so they use real transactions and threads."""

import io
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import pytest
from django.db import connection

from deals import messages
from deals.errors import UploadError
from deals.load.cleanup import loads_sweep
from deals.load.loader import deals_load
from deals.models import Upload
from tests.support import csv_of, post_csv, psql_session, report, staging_tables

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]

OLD = csv_of(("old", "Ruby", 10), ("old2", "Ruby", 5))
NEW = csv_of(("new", "Opal", 99), ("new2", "Opal", 1), ("new3", "Jade", 1))


def psql():
    return closing(psql_session())


# pg_locks shows every database's locks (other test runs share the server); keep this one's.
THIS_DATABASE = "database = (SELECT oid FROM pg_database WHERE datname = current_database())"


def query(session, sql: str, params: list | None = None, timeout_ms: int = 2000):
    with session.cursor() as cursor:
        cursor.execute("SET statement_timeout = %s", [timeout_ms])
        cursor.execute(sql, params)
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
        "SELECT pid FROM pg_locks WHERE NOT granted AND relation = %s::regclass AND " + THIS_DATABASE,
        [relation],
    )
    return [pid for (pid,) in rows]


def wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def advisory_waiters(session) -> list[int]:
    """Backends waiting for the publish lock: uploads whose file is in their table, queued to publish."""
    rows = query(session, "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND " + THIS_DATABASE)
    return [pid for (pid,) in rows]


@pytest.fixture
def patient_publish(settings):
    """A load held on purpose (below) must not give up on its own while a slow CI machine looks at it."""
    settings.DEALS_PUBLISH_LOCK_TIMEOUT_MS = 120_000


@contextmanager
def load_held_before_commit(content: bytes) -> Iterator[tuple[LoadInThread, int]]:
    """Run a load that has copied, attached and published, and is held just before it commits.

    A concurrent refresh of the report, left uncommitted here, holds the EXCLUSIVE lock that the
    load's own REFRESH ... CONCURRENTLY needs at its last step; readers take ACCESS SHARE, which
    conflicts with neither. The load holds the publish lock meanwhile.
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


@pytest.mark.usefixtures("patient_publish")
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


@pytest.mark.usefixtures("patient_publish")
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


@pytest.mark.usefixtures("patient_publish")
def test_an_upload_streams_while_another_publishes_then_publishes_after_it_and_is_live(client):
    # Before, the second upload waited for the lock before its COPY; now it copies at once and
    # queues only to publish (the lock scope changed with issue 10).
    post_csv(client, OLD)
    with load_held_before_commit(NEW) as (first, _), psql() as observer:
        second = LoadInThread(OLD)
        second.start()
        wait_for(lambda: advisory_waiters(observer), "the second upload never copied its file and queued to publish")
        assert second.is_alive() and first.is_alive()
    second.join(timeout=30)
    assert first.error is None and second.error is None
    assert second.result.load_id > first.result.load_id
    assert second.result.live  # it published last: nothing replaced it
    assert [entry["username"] for entry in report(client)] == ["old", "old2"]
    loads_sweep()  # the waiting upload's old snapshot may have kept the first one's cleanup from it
    assert len(staging_tables()) == 1


@pytest.mark.usefixtures("patient_publish")
def test_an_upload_that_cannot_get_the_publish_lock_in_time_is_refused_with_409(client, settings):
    settings.DEALS_PUBLISH_WAIT_SECONDS = 1
    post_csv(client, OLD)
    with load_held_before_commit(NEW):
        response = post_csv(client, OLD)
        assert response.status_code == 409
        assert response.json() == {
            "Status": "Error",
            "Desc": "another upload was being published and this one could not publish in time; "
            "nothing changed, try again",
        }
    assert [entry["username"] for entry in report(client)] == ["new", "new2", "new3"]
    refused = Upload.objects.order_by("-id")[0]
    assert (refused.status, refused.error) == ("failed", response.json()["Desc"])


# Each statement of a load that takes a lock, and what an analyst or a maintenance command in psql
# could hold against it: the load must give up after DEALS_PUBLISH_LOCK_TIMEOUT_MS, never hang
# (holding the publish lock, so every other upload would hang behind it).
LOCKS_AGAINST_EACH_STATEMENT = {
    "create (CREATE ... LIKE deal_rows)": "LOCK TABLE deal_rows",
    "attach (ATTACH PARTITION)": "LOCK TABLE deal_rows IN SHARE MODE",
    "publish (the pointer)": "LOCK TABLE dataset IN SHARE MODE",
    # A materialized view cannot be LOCKed; a refresh of its own holds the lock the load's needs.
    "refresh (REFRESH ... CONCURRENTLY)": "REFRESH MATERIALIZED VIEW CONCURRENTLY top_customers",
}


def post_in_thread(client, content: bytes) -> tuple[threading.Thread, list]:
    answers: list = []

    def post() -> None:
        try:
            answers.append(post_csv(client, content))
        finally:
            connection.close()  # this thread's own connection

    upload = threading.Thread(target=post, daemon=True)
    upload.start()
    return upload, answers


def assert_refused_with_409_in_time(client, upload: threading.Thread, answers: list, where: str) -> None:
    upload.join(timeout=60)  # the bound is 300 ms; a hang would still end the test
    assert not upload.is_alive(), f"the load hung at {where}"
    [response] = answers
    assert response.status_code == 409
    assert response.json()["Desc"] == messages.lock_wait(300)
    assert [entry["username"] for entry in report(client)] == ["old", "old2"]
    refused = Upload.objects.order_by("-id")[0]
    assert (refused.status, refused.error) == ("failed", response.json()["Desc"])


@pytest.mark.parametrize("statement", LOCKS_AGAINST_EACH_STATEMENT)
def test_a_lock_held_in_psql_makes_the_load_give_up_with_409_not_hang(client, settings, statement):
    settings.DEALS_PUBLISH_LOCK_TIMEOUT_MS = 300
    post_csv(client, OLD)
    with psql() as analyst:
        analyst.cursor().execute("BEGIN; " + LOCKS_AGAINST_EACH_STATEMENT[statement])
        upload, answers = post_in_thread(client, NEW)
        upload.join(timeout=60)
        analyst.rollback()
    assert_refused_with_409_in_time(client, upload, answers, statement)


def test_a_lock_on_the_upload_record_makes_the_load_give_up_with_409_not_hang(client, settings):
    settings.DEALS_PUBLISH_LOCK_TIMEOUT_MS = 300
    post_csv(client, OLD)
    with psql() as publisher, psql() as analyst, closing(psql_session(autocommit=True)) as observer:
        # Hold the load at the publish lock, then lock its record (now written) against its success update.
        publisher.cursor().execute("BEGIN; SELECT pg_advisory_xact_lock(hashtext('deals-report: load'))")
        upload, answers = post_in_thread(client, NEW)
        wait_for(lambda: advisory_waiters(observer), "the load never queued to publish")
        analyst.cursor().execute("BEGIN; SELECT id FROM uploads WHERE status = 'running' FOR UPDATE")
        publisher.rollback()
        # The success update gives up after 300 ms; the failure record (autocommit, after the
        # load) then waits for this row lock in turn: release it once that is what waits.
        wait_for(lambda: waiting_queries(observer, "'failed'"), "the load never gave up on its success update")
        analyst.rollback()
    assert_refused_with_409_in_time(client, upload, answers, "the success record")


def waiting_queries(session, fragment: str) -> list[str]:
    rows = query(
        session,
        "SELECT a.query FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
        "WHERE NOT l.granted AND a.datname = current_database()",
    )
    return [text for (text,) in rows if fragment in text]


@pytest.mark.usefixtures("patient_publish")
def test_the_success_record_commits_with_the_publication_and_rolls_back_with_it(client):
    post_csv(client, OLD)
    with psql() as holder:
        holder.cursor().execute("BEGIN; REFRESH MATERIALIZED VIEW CONCURRENTLY top_customers")
        upload, answers = post_in_thread(client, NEW)
        with psql() as observer:
            wait_for(lambda: waiting_pids(observer, "top_customers"), "the load never reached its refresh")
            (running,) = query(observer, "SELECT id, status FROM uploads ORDER BY id DESC LIMIT 1")
            assert running[1] == "running"  # the success update is made, but not committed...
            with pytest.raises(Exception, match="could not obtain lock"):  # ...and it is the load's own
                query(observer, f"SELECT 1 FROM uploads WHERE id = {running[0]} FOR UPDATE NOWAIT")
            observer.rollback()
            # Cancel the load in its refresh: it fails after its success update, before its commit.
            query(
                observer,
                "SELECT pg_cancel_backend(pid) FROM pg_locks WHERE relation = 'top_customers'::regclass AND "
                + THIS_DATABASE
                + " AND NOT granted",
            )
        upload.join(timeout=60)
        holder.rollback()
    [response] = answers
    assert response.status_code != 200
    assert [entry["username"] for entry in report(client)] == ["old", "old2"]
    failed = Upload.objects.get(pk=running[0])
    assert (failed.status, failed.load_id, failed.rows_loaded) == ("failed", None, None)
    assert failed.error == response.json()["Desc"]


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
