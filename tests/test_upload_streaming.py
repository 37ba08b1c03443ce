"""POST /api/deals/ loads the file while it arrives, and still changes nothing when it fails.

The file part is piped into COPY chunk by chunk (deals/upload_stream.py); the load commits only
after the whole request has been read and checked. These uploads are several times larger than
what the pipe holds, so the parser really waits for COPY, and errors really arrive mid-stream.
"""

import socket
import time
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings

from deals import messages
from deals.intake.streaming import CHUNK_BYTES, PIPE_CHUNKS
from tests.live_server import Gunicorn, database_url
from tests.reference import reference_report
from tests.support import SAMPLE_ANSWER, csv_of, post_csv, report, staging_tables

ROWS = 200_000
GEMS = ["Рубин", "Сапфир", "Изумруд", "Опал", "Топаз", "Яшма", "Кварц"]


def many_deals(rows: int = ROWS) -> list[tuple]:
    return [(f"buyer{i % 997}", GEMS[i % len(GEMS)], i % 1000, 1 + i % 9) for i in range(rows)]


def top_spenders(deals: list[tuple]) -> list[tuple[str, int]]:
    return [(entry["username"], entry["spent_money"]) for entry in reference_report(deals)]


def test_the_test_upload_is_larger_than_the_pipe_holds():
    assert len(csv_of(*many_deals())) > CHUNK_BYTES * PIPE_CHUNKS


@pytest.mark.django_db
class TestThroughTheTestClient:
    def test_a_large_upload_loads_every_row(self, client):
        deals = many_deals()
        response = post_csv(client, csv_of(*deals))
        assert response.status_code == 200, response.json()
        assert response.json()["Status"] == "OK"
        assert response.json()["rows"] == ROWS
        assert [(e["username"], e["spent_money"]) for e in report(client)] == top_spenders(deals)

    def test_a_bad_line_deep_in_a_large_upload_names_it_and_changes_nothing(self, client, sample_csv):
        post_csv(client, sample_csv)
        live = staging_tables()
        deals = many_deals()
        deals[150_000] = ("mallory", "Рубин", "12a")
        response = post_csv(client, csv_of(*deals))
        assert response.status_code == 400
        assert response.json()["Desc"] == messages.at_value(150_002, "total", "12a", messages.NOT_WHOLE_NUMBER)
        assert report(client) == SAMPLE_ANSWER
        assert staging_tables() == live

    def test_a_second_deals_file_after_a_streamed_one_rolls_the_load_back(self, client, sample_csv):
        post_csv(client, sample_csv)
        live = staging_tables()
        big = SimpleUploadedFile("a.csv", csv_of(*many_deals()), "text/csv")
        small = SimpleUploadedFile("b.csv", csv_of(("eve", "Опал", 1)), "text/csv")
        response = client.post("/api/deals/", {"deals": [big, small]}, format="multipart")
        assert response.status_code == 400
        assert response.json()["Desc"] == messages.TWO_FILES
        assert report(client) == SAMPLE_ANSWER
        assert staging_tables() == live

    def test_a_body_that_ends_before_the_file_does_changes_nothing(self, client, sample_csv):
        post_csv(client, sample_csv)
        live = staging_tables()
        upload = SimpleUploadedFile("deals.csv", csv_of(*many_deals()), "text/csv")
        # Declaring a shorter Content-Length than the body makes Django read only that much,
        # as when a client goes away mid-upload.
        response = client.post("/api/deals/", {"deals": upload}, format="multipart", CONTENT_LENGTH="4000000")
        assert response.status_code == 400
        assert response.json()["Desc"] == messages.UPLOAD_INTERRUPTED
        assert report(client) == SAMPLE_ANSWER
        assert staging_tables() == live

    def test_a_file_in_another_field_is_not_loaded(self, client, sample_csv):
        other = SimpleUploadedFile("deals.csv", sample_csv, "text/csv")
        response = client.post("/api/deals/", {"other": other}, format="multipart")
        assert response.status_code == 400
        assert response.json()["Desc"] == messages.NO_FILE
        assert report(client) == []

    @override_settings(DEALS_MAX_UPLOAD_BYTES=1000)
    def test_a_body_declared_over_the_limit_is_refused_before_loading(self, client, sample_csv):
        response = post_csv(client, sample_csv)
        assert response.status_code == 413
        assert report(client) == []
        assert staging_tables() == []

    def test_the_load_leaves_the_request_its_database_connection(self, client, sample_csv):
        post_csv(client, sample_csv)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM deals")
            assert cursor.fetchone() == (767,)


@pytest.fixture
def server(empty_dataset, tmp_path):
    """gunicorn with the project's config, on a free port, against the test database."""
    with Gunicorn(database_url=database_url(), log_path=tmp_path / "gunicorn.log", workers=1) as gunicorn:
        yield gunicorn.url, gunicorn.port


def multipart(content: bytes, boundary: str = "deals-boundary") -> tuple[bytes, bytes]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="deals"; filename="deals.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}".encode()


def http_post(port: int, body: bytes, content_type: bytes, send: int | None = None) -> bytes:
    """POST by hand; with `send`, stop after that many body bytes and hang up."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(
            b"POST /api/deals/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        sock.sendall(body[:send])
        if send is not None:
            return b""
        return b"".join(iter(lambda: sock.recv(65536), b""))


def server_get(url: str) -> list:
    import json

    with urllib.request.urlopen(url + "/api/deals/", timeout=10) as response:
        return json.loads(response.read())["response"]


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_a_large_upload_streams_through_gunicorn(server, sample_csv):
    url, port = server
    deals = many_deals()
    answer = http_post(port, *multipart(csv_of(*deals)))
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert b'{"Status":"OK","rows":200000,' in answer
    assert [(e["username"], e["spent_money"]) for e in server_get(url)] == top_spenders(deals)


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_a_client_that_hangs_up_mid_upload_changes_nothing(server, sample_csv):
    url, port = server
    assert http_post(port, *multipart(sample_csv)).startswith(b"HTTP/1.1 200")
    live = staging_tables()
    body, content_type = multipart(csv_of(*many_deals()))
    http_post(port, body, content_type, send=len(body) // 2)
    # The server notices the end of the body, aborts the COPY, rolls back, frees its upload slot
    # and records the attempt; the half-sent one has left no table behind.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _load_in_progress():
        time.sleep(0.1)
    assert not _load_in_progress()
    assert server_get(url) == SAMPLE_ANSWER
    assert staging_tables() == live
    small = csv_of(("carol", "Опал", 7))
    assert http_post(port, *multipart(small)).startswith(b"HTTP/1.1 200")
    assert server_get(url) == [{"username": "carol", "spent_money": 7, "gems": []}]


def _load_in_progress() -> bool:
    """The hung-up attempt (the second) is not recorded yet, or its COPY is still running."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_stat_progress_copy WHERE datname = current_database()),"
            " (SELECT count(*) FROM uploads WHERE status <> 'running')"
        )
        copies, recorded = cursor.fetchone()
        return copies > 0 or recorded < 2
