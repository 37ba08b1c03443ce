"""A running upload shows how far it has got: phase, bytes received, rows stored, time elapsed.

The running uploads here are held at chosen points (the body half sent, the publishing step
blocked by a lock from a psql session), so every assertion waits for an event, never for time.
"""

import os
import socket
import subprocess
import sys
import threading

import pytest
from django.db import connection

from deals import messages
from deals.models import Upload
from deals.uploads.progress import UploadProgress
from deals.uploads.selectors import upload_history
from tests.live_server import PROJECT, Gunicorn, database_url, multipart, wait_until
from tests.support import csv_of, post_csv, publishing_blocked

ROWS = 300_000  # about 10 MB: more than the intake's pipe holds, so the first half is stored before the rest is sent


def many_rows(rows: int = ROWS) -> bytes:
    return csv_of(*[(f"buyer{n % 997}", "Opal", n % 1000) for n in range(rows)])


@pytest.mark.django_db
class TestTheRecordOfAFinishedUpload:
    def test_shows_no_phase_the_whole_files_bytes_its_rows_and_its_duration(self, client, sample_csv):
        upload_id = post_csv(client, sample_csv).json()["upload"]
        entry = client.get(f"/api/uploads/{upload_id}/").json()
        assert entry["phase"] is None
        assert entry["bytes_received"] == len(sample_csv)
        assert entry["rows_stored"] == entry["rows_loaded"] == 767
        assert entry["elapsed_seconds"] == entry["duration_seconds"]

    def test_of_a_failed_upload_has_no_rows(self, client):
        post_csv(client, csv_of(("bob", "Ruby", "12a")))
        [entry] = client.get("/api/uploads/").json()["results"]
        assert (entry["status"], entry["phase"], entry["rows_stored"]) == ("failed", None, None)

    def test_of_an_upload_no_longer_running_has_no_phase_whatever_it_last_wrote(self, client):
        upload = Upload.objects.create(file_name="a.csv", status=Upload.Status.FAILED, phase=Upload.Phase.COPYING)
        assert client.get(f"/api/uploads/{upload.pk}/").json()["phase"] is None


@pytest.mark.django_db
class TestFindingUploads:
    def test_one_upload_by_its_id(self, client, sample_csv):
        upload_id = post_csv(client, sample_csv).json()["upload"]
        assert client.get(f"/api/uploads/{upload_id}/").json() == client.get("/api/uploads/").json()["results"][0]

    def test_an_unknown_id_is_404(self, client):
        response = client.get("/api/uploads/999999/")
        assert response.status_code == 404
        assert response.json()["Status"] == "Error"

    def test_status_running_lists_only_the_uploads_in_progress(self, client, sample_csv):
        post_csv(client, sample_csv)
        running = Upload.objects.create(file_name="big.csv", phase=Upload.Phase.RECEIVING, bytes_received=123)
        [entry] = client.get("/api/uploads/?status=running").json()["results"]
        assert (entry["id"], entry["status"], entry["phase"], entry["bytes_received"]) == (
            running.pk,
            "running",
            "receiving",
            123,
        )
        assert entry["elapsed_seconds"] >= 0
        assert [e["status"] for e in client.get("/api/uploads/?status=loaded").json()["results"]] == ["loaded"]

    def test_an_unknown_status_is_refused_with_the_known_ones(self, client):
        response = client.get("/api/uploads/?status=done")
        assert response.status_code == 400
        assert response.json()["Desc"] == messages.unknown_upload_status("done", Upload.Status.values)
        assert "running, loaded, checked, failed" in response.json()["Desc"]


@pytest.mark.django_db(transaction=True)  # the recorder writes from a connection of its own
def test_rows_stored_of_a_running_upload_is_what_its_copy_statements_reported():
    upload = Upload.objects.create(file_name="big.csv", phase=Upload.Phase.RECEIVING, rows_copied=None)
    progress = UploadProgress(upload_id=upload.pk)
    with progress.recorded(connect_params=connection.get_connection_params()) as recorder:
        for rows in (1000, 2000, 4000):
            progress.rows_copied(rows)
        recorder.wake()
        wait_until(lambda: Upload.objects.get(pk=upload.pk).rows_copied == 7000, "the rows recorded")
    assert upload_history().get(pk=upload.pk).rows_stored == 7000


def test_the_streams_rows_add_up_whichever_thread_reports_them():
    progress = UploadProgress(upload_id=0)
    threads = [threading.Thread(target=lambda: [progress.rows_copied(1) for _ in range(20_000)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert progress.snapshot().rows_so_far == 80_000


def running_upload(get) -> dict | None:
    """The one running upload, once its progress has been recorded (it is first written after a second)."""
    answer = get("/api/uploads/?status=running")
    results = answer["results"]
    return results[0] if results and results[0]["bytes_received"] else None


@pytest.mark.django_db(transaction=True)
def test_an_api_upload_shows_receiving_then_publishing_then_its_outcome(empty_dataset, tmp_path):
    content = many_rows()
    body, content_type = multipart(content, name="big.csv")
    half = len(body) // 2
    with Gunicorn(database_url=database_url(), log_path=tmp_path / "gunicorn.log") as server:

        def get(path):
            return server.get(path).json()

        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            sock.sendall(
                b"POST /api/deals/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\n"
                + f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            )
            sock.sendall(body[:half])
            receiving = wait_until(
                lambda: (entry := running_upload(get)) and entry["rows_stored"] and entry,
                "the first half stored",
            )
            assert receiving["file_name"] == "big.csv"
            assert receiving["phase"] == "receiving"
            assert 0 < receiving["bytes_received"] < len(content)
            assert 0 < receiving["rows_stored"] < ROWS
            assert receiving["elapsed_seconds"] > 0 and receiving["finished_at"] is None

            with publishing_blocked():
                sock.sendall(body[half:])
                publishing = wait_until(
                    lambda: (entry := running_upload(get)) and entry["phase"] == "publishing" and entry,
                    "COPY done, publishing",
                )
                assert publishing["rows_stored"] == ROWS
                assert publishing["bytes_received"] == len(content)
            answer = b"".join(iter(lambda: sock.recv(65536), b""))
        assert answer.startswith(b"HTTP/1.1 200"), answer
        done = get(f"/api/uploads/{receiving['id']}/")
        assert (done["status"], done["phase"], done["rows_stored"]) == ("loaded", None, ROWS)
        assert get("/api/uploads/?status=running")["results"] == []


@pytest.mark.django_db(transaction=True)
def test_load_deals_shows_its_progress_in_the_history_too(client, empty_dataset):
    content = many_rows()
    half = len(content) // 2

    def get(path):
        return client.get(path).json()

    command = subprocess.Popen(
        [sys.executable, "manage.py", "load_deals", "-", "--no-progress"],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": database_url(), "DJANGO_SECRET_KEY": "test-only-secret"},
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        command.stdin.write(content[:half])
        command.stdin.flush()
        receiving = wait_until(
            lambda: (entry := running_upload(get)) and entry["rows_stored"] and entry, "the first half stored"
        )
        assert (receiving["file_name"], receiving["phase"]) == ("-", "receiving")
        assert 0 < receiving["rows_stored"] < ROWS
        with publishing_blocked():
            command.stdin.write(content[half:])
            command.stdin.close()
            publishing = wait_until(
                lambda: (entry := running_upload(get)) and entry["phase"] == "publishing" and entry, "publishing"
            )
            assert (publishing["rows_stored"], publishing["bytes_received"]) == (ROWS, len(content))
        command.wait(timeout=60)
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()
    assert command.returncode == 0, command.stderr.read().decode()
    assert get(f"/api/uploads/{receiving['id']}/")["rows_stored"] == ROWS
