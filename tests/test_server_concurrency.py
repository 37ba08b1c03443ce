"""Against a real multi-worker gunicorn: simultaneous uploads stream side by side, publish one at
a time and the last to publish wins, readers only ever see one complete dataset, and a SIGKILL
mid-upload loses nothing."""

import contextlib
import json
import socket
import threading
import time
import uuid

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


def live_load() -> int:
    with contextlib.closing(psql_session(autocommit=True)) as session, session.cursor() as cursor:
        cursor.execute("SELECT live_load FROM dataset")
        return cursor.fetchone()[0]


def test_simultaneous_uploads_all_succeed_and_the_last_published_wins(log_path):
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
        # Loads are numbered when they start and publish in the order they finish streaming.
        [last] = [n for n in responses if responses[n].json()["dataset"] == live_load()]
        assert responses[last].json()["live"] is True
        assert server.report() == expected[last]
        complete_reports = [first, *expected.values()]
        assert seen and all(report in complete_reports for report in seen)
        assert len(staging_tables()) == 1


def test_a_server_killed_mid_upload_keeps_the_previous_report_and_recovers(log_path):
    patient = {"DEALS_PUBLISH_LOCK_TIMEOUT_MS": "120000"}  # the load must still be waiting when it is killed
    with Gunicorn(database_url=database_url(), log_path=log_path, workers=1, threads=2, environment=patient) as server:
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
                    cursor.execute(
                        "SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'deal_rows'::regclass "
                        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    )
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
    sweeping = {"DEALS_CLEANUP_INTERVAL_SECONDS": "1"}
    with Gunicorn(
        database_url=database_url(), log_path=log_path, workers=1, threads=2, environment=sweeping
    ) as restarted:
        # The killed upload's record was left running; the new worker's first sweep marks it.
        wait_until(lambda: Upload.objects.order_by("id").last().status == "interrupted", "the sweep of the record")
        assert Upload.objects.order_by("id").last().error == messages.PROCESS_GONE
        assert restarted.report() == before
        # Its COPY streams had committed their tables: the background cleanup sweep drops them.
        wait_until(lambda: staging_tables() == tables, "the sweep of the killed load's tables")
        deals = random_deals(3, rows=500)
        assert restarted.post_csv(as_csv(deals)).status == 200
        assert restarted.report() == reference_report(deals)
        assert len(staging_tables()) == 1


class SplitUpload:
    """A multipart POST sent by hand in two parts, so a test decides when the rest of the file goes."""

    def __init__(self, port: int, content: bytes) -> None:
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="deals"; filename="deals.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        self.body = head + content + f"\r\n--{boundary}--\r\n".encode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.sock.sendall(
            b"POST /api/deals/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\n"
            + f"Content-Type: multipart/form-data; boundary={boundary}\r\n".encode()
            + f"Content-Length: {len(self.body)}\r\n\r\n".encode()
        )

    def send(self, start: int, end: int | None = None) -> None:
        self.sock.sendall(self.body[start:end])

    def answer(self) -> tuple[int, dict]:
        with self.sock:
            raw = b"".join(iter(lambda: self.sock.recv(65536), b""))
        head, _, body = raw.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)


def copies_in_progress() -> int:
    with contextlib.closing(psql_session(autocommit=True)) as session, session.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_progress_copy WHERE datname = current_database() AND command = 'COPY FROM'"
        )
        return cursor.fetchone()[0]


def test_two_large_uploads_stream_at_the_same_time_and_the_last_to_publish_is_live(log_path):
    datasets = [random_deals(seed, rows=150_000) for seed in (11, 12)]
    first_part = 3 * 1024 * 1024  # past the 1 MiB the source reads to detect the encoding: COPY has begun
    with Gunicorn(database_url=database_url(), log_path=log_path, workers=2, threads=2) as server:
        uploads = [SplitUpload(server.port, as_csv(deals)) for deals in datasets]
        for upload in uploads:
            upload.send(0, first_part)
        # Both COPYs run at once: neither waits for the other's file (before, the second waited
        # for the publish lock, then called the load lock, before its COPY began).
        deadline = time.monotonic() + 60
        while copies_in_progress() < 2:
            assert time.monotonic() < deadline, "the two uploads never streamed at the same time"
            time.sleep(0.05)
        for upload in uploads:
            upload.send(first_part)
        answers = [upload.answer() for upload in uploads]
        assert [status for status, _ in answers] == [200, 200], answers
        live = live_load()
        [last] = [n for n, (_, body) in enumerate(answers) if body["dataset"] == live]
        assert answers[last][1]["live"] is True
        assert server.report() == reference_report(datasets[last])
        for n, (_, body) in enumerate(answers):
            record = Upload.objects.get(pk=body["upload"])
            assert (record.status, record.rows_loaded, record.load_id, record.error) == (
                "loaded",
                150_000,
                body["dataset"],
                "",
            )
            assert record.size_bytes == len(as_csv(datasets[n]))
        assert len(staging_tables()) == 1
