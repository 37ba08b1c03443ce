"""Against a real multi-worker gunicorn: simultaneous uploads are serialized and the last commit
wins, readers only ever see one complete dataset, and a SIGKILL mid-upload loses nothing."""

import contextlib
import threading
import time

import pytest

from deals import messages
from deals.models import Upload
from tests.live_server import Gunicorn, database_url, wait_until
from tests.reference import as_csv, random_deals, reference_report
from tests.support import psql_session, staging_tables

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset"), pytest.mark.server]


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "gunicorn.log"


def post_ignoring_disconnect(server, content: bytes) -> None:
    with contextlib.suppress(OSError):  # the server is killed while this request is open
        server.post_csv(content)


def test_simultaneous_uploads_all_succeed_and_the_last_committed_wins(log_path):
    datasets = [random_deals(seed, rows=3000) for seed in range(6)]
    expected = {n: reference_report(deals) for n, deals in enumerate(datasets)}
    with Gunicorn(database_url=database_url(), log_path=log_path, workers=2, threads=4) as server:
        assert server.post_csv(as_csv(random_deals(99, rows=50))).status == 200
        first = server.report()
        seen: list[list[dict]] = []
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                seen.append(server.report())

        responses: dict[int, object] = {}
        start = threading.Barrier(len(datasets))

        def upload(n):
            start.wait()
            responses[n] = server.post_csv(as_csv(datasets[n]))

        pollers = [threading.Thread(target=poll) for _ in range(2)]
        uploaders = [threading.Thread(target=upload, args=(n,)) for n in range(len(datasets))]
        for thread in pollers + uploaders:
            thread.start()
        for thread in uploaders:
            thread.join(timeout=120)
        stop.set()
        for thread in pollers:
            thread.join(timeout=10)

        assert all(response.status == 200 for response in responses.values()), responses
        last = max(responses, key=lambda n: responses[n].json()["dataset"])
        assert server.report() == expected[last]
        complete_reports = [first, *expected.values()]
        assert seen and all(report in complete_reports for report in seen)
        assert len(staging_tables()) == 1


def test_a_server_killed_mid_upload_keeps_the_previous_report_and_recovers(log_path):
    with Gunicorn(database_url=database_url(), log_path=log_path, workers=1, threads=2) as server:
        assert server.post_csv(as_csv(random_deals(1, rows=100))).status == 200
        before = server.report()
        tables = staging_tables()
        blocker = psql_session()
        try:
            # Stall the load after COPY, at ATTACH (which needs this lock mode too), and kill it there.
            blocker.cursor().execute("BEGIN; LOCK TABLE deal_rows IN SHARE UPDATE EXCLUSIVE MODE")
            upload = threading.Thread(
                target=post_ignoring_disconnect, args=(server, as_csv(random_deals(2, rows=100_000)))
            )
            upload.start()
            with contextlib.closing(psql_session(autocommit=True)) as observer, observer.cursor() as cursor:
                deadline = time.monotonic() + 60
                while True:
                    cursor.execute("SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'deal_rows'::regclass")
                    if waiting := cursor.fetchall():
                        break
                    assert time.monotonic() < deadline, "the load never reached ATTACH"
                    time.sleep(0.05)
                server.kill()
                blocker.rollback()
                while time.monotonic() < deadline:  # the backend notices its client is gone, and rolls back
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [waiting[0][0]])
                    if cursor.fetchone() == (0,):
                        break
                    time.sleep(0.05)
            upload.join(timeout=10)
        finally:
            blocker.close()
    with Gunicorn(database_url=database_url(), log_path=log_path, workers=1, threads=2) as restarted:
        # The killed upload's record was left running; the new worker's first sweep marks it.
        wait_until(lambda: Upload.objects.order_by("id").last().status == "interrupted", "the sweep of the record")
        assert Upload.objects.order_by("id").last().error == messages.PROCESS_GONE
        assert restarted.report() == before
        assert staging_tables() == tables
        deals = random_deals(3, rows=500)
        assert restarted.post_csv(as_csv(deals)).status == 200
        assert restarted.report() == reference_report(deals)
        assert len(staging_tables()) == 1
