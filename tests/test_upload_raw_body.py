"""The file itself as the request body (PUT, or a POST that is not a form) is the same upload as
the multipart form: same answers, limits, errors, history and all-or-nothing replace."""

import gzip
import hashlib
import io
import zipfile

import pytest
import zstandard
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.client import encode_multipart

from deals import messages
from deals.models import Upload
from tests.support import SAMPLE_ANSWER, csv_of, post_csv, post_raw_csv, put_csv, report, staging_tables

pytestmark = pytest.mark.django_db

SENDS = {
    "PUT (curl -T deals.csv URL)": lambda client, content, **headers: put_csv(client, content, **headers),
    "PUT under the file's name": lambda client, content, **headers: put_csv(
        client, content, path="/api/deals/deals.csv", **headers
    ),
    "POST as text/csv": lambda client, content, **headers: post_raw_csv(client, content, **headers),
    "POST as curl --data-binary's default type": lambda client, content, **headers: post_raw_csv(
        client, content, content_type="application/x-www-form-urlencoded", **headers
    ),
    "POST as application/octet-stream": lambda client, content, **headers: post_raw_csv(
        client, content, content_type="application/octet-stream", **headers
    ),
}


@pytest.mark.parametrize("send", SENDS.values(), ids=SENDS.keys())
def test_the_sample_as_the_body_gives_the_contracts_answer(client, sample_csv, send):
    response = send(client, sample_csv)
    assert response.status_code == 200, response.json()
    assert response.json() == {**response.json(), "Status": "OK", "rows": 767}
    assert report(client) == SAMPLE_ANSWER


def test_the_history_records_the_name_in_the_path(client, sample_csv):
    upload = put_csv(client, sample_csv, path="/api/deals/deals%20march.csv").json()["upload"]
    assert Upload.objects.get(pk=upload).file_name == "deals march.csv"


def test_a_body_without_a_name_is_recorded_unnamed_with_its_size_and_hash(client, sample_csv):
    upload = Upload.objects.get(pk=put_csv(client, sample_csv).json()["upload"])
    assert (upload.file_name, upload.size_bytes, upload.sha256, upload.status) == (
        "",
        len(sample_csv),
        hashlib.sha256(sample_csv).hexdigest(),
        Upload.Status.LOADED,
    )


def test_the_named_path_takes_only_put(client):
    assert client.get("/api/deals/deals.csv").status_code == 405
    assert client.post("/api/deals/deals.csv", b"x", content_type="text/csv").status_code == 405


def test_a_multipart_form_sent_by_put_is_still_a_form(client, sample_csv):
    form = encode_multipart("BoUnDaRy", {"deals": SimpleUploadedFile("deals.csv", sample_csv, "text/csv")})
    response = client.generic("PUT", "/api/deals/", form, content_type="multipart/form-data; boundary=BoUnDaRy")
    assert response.status_code == 200, response.json()
    assert report(client) == SAMPLE_ANSWER


COMPRESSED = {
    "gzip": ("gzip", gzip.compress),
    "x-gzip": ("x-gzip", gzip.compress),
    "zstd": ("zstd", lambda content: zstandard.ZstdCompressor().compress(content)),
    "ZSTD in capitals": ("ZSTD", lambda content: zstandard.ZstdCompressor().compress(content)),
    "identity": ("identity", lambda content: content),
}


@pytest.mark.parametrize(("encoding", "compress"), COMPRESSED.values(), ids=COMPRESSED.keys())
def test_a_declared_content_encoding_is_undone(client, sample_csv, encoding, compress):
    response = put_csv(client, compress(sample_csv), HTTP_CONTENT_ENCODING=encoding)
    assert response.status_code == 200, response.json()
    assert report(client) == SAMPLE_ANSWER


@pytest.mark.parametrize("compress", [gzip.compress, zstandard.ZstdCompressor().compress], ids=["gzip", "zstd"])
def test_a_compressed_body_is_recognised_without_a_content_encoding(client, sample_csv, compress):
    assert put_csv(client, compress(sample_csv)).status_code == 200
    assert report(client) == SAMPLE_ANSWER


def test_the_content_types_charset_wins_over_detection(client):
    # ASCII for its first megabyte, so detection alone would take it for UTF-8.
    content = b"customer,item,total,quantity,date\n" + b"ann,Opal,1,1,2018-12-14\n" * 50_000
    content += "bob,Рубин,50001,1,2018-12-14\n".encode("cp1251")
    response = post_raw_csv(client, content, content_type="text/csv; charset=windows-1251")
    assert response.status_code == 200, response.json()
    assert report(client)[0] == {"username": "bob", "spent_money": 50_001, "gems": []}
    with connection.cursor() as cursor:
        cursor.execute("SELECT item FROM deals WHERE customer = 'bob'")
        assert cursor.fetchone() == ("Рубин",)


@pytest.fixture
def loaded(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    return staging_tables()


BAD_FILES = {
    "a bad value": csv_of(("ann", "Opal", 1), ("bob", "Opal", "12a")),
    "an empty file": b"",
    "a header only": csv_of(),
    "a bad header": b"customer,item,total\nann,Opal,1\n",
    "a zip archive": (lambda out: (zipfile.ZipFile(out, "w").writestr("deals.csv", "x"), out.getvalue())[1])(
        io.BytesIO()
    ),
    "a gzip cut short": gzip.compress(csv_of(*[(f"c{n}", "Opal", n) for n in range(5000)]))[:2000],
    "cp1251 declared as UTF-8": "customer,item,total,quantity,date\nann,Рубин,1,1,2018-12-14\n".encode("cp1251"),
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_errors_are_those_of_the_multipart_form_and_change_nothing(client, loaded, content):
    form = post_csv(client, content, content_type="text/csv; charset=utf-8")
    raw = post_raw_csv(client, content, content_type="text/csv; charset=utf-8")
    assert raw.status_code == form.status_code
    assert 400 <= raw.status_code < 500
    assert raw.json() == form.json()
    assert {"Status", "Desc"} <= set(raw.json()) <= {"Status", "Desc", "errors", "error_count", "error_count_exact"}
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == loaded
    assert Upload.objects.latest("id").error == raw.json()["Desc"]


def test_a_declared_content_encoding_the_body_does_not_have_is_refused(client, loaded, sample_csv):
    response = put_csv(client, sample_csv, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400
    assert response.json()["Desc"] == messages.not_compressed_as_declared("gzip")
    assert report(client) == SAMPLE_ANSWER


def test_an_unknown_content_encoding_is_refused(client, loaded, sample_csv):
    response = put_csv(client, sample_csv, HTTP_CONTENT_ENCODING="br")
    assert response.status_code == 400
    assert response.json()["Desc"] == messages.unsupported_content_encoding("br")
    assert Upload.objects.latest("id").error == response.json()["Desc"]


def test_a_body_declared_over_the_limit_is_refused_unread_and_recorded(client, loaded, sample_csv, settings):
    settings.DEALS_MAX_UPLOAD_BYTES = len(sample_csv) - 1
    response = put_csv(client, sample_csv)
    assert response.status_code == 413
    assert response.json()["Desc"] == messages.too_large(len(sample_csv) - 1)
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == loaded
    record = Upload.objects.latest("id")
    assert (record.error, record.size_bytes) == (response.json()["Desc"], len(sample_csv))


def test_a_decompressed_body_over_the_csv_limit_gets_413(client, loaded, sample_csv, settings):
    settings.DEALS_MAX_CSV_BYTES = 10_000
    response = put_csv(client, gzip.compress(sample_csv), HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 413
    assert response.json()["Desc"] == messages.csv_too_large(10_000)
    assert report(client) == SAMPLE_ANSWER


def test_uploads_need_the_token_when_one_is_set(client, sample_csv, settings):
    settings.DEALS_UPLOAD_TOKEN = "s3cret"
    assert put_csv(client, sample_csv, path="/api/deals/deals.csv").status_code == 401
    assert put_csv(client, sample_csv, HTTP_AUTHORIZATION="Token s3cret").status_code == 200


def test_a_raw_body_from_another_sites_page_is_refused(client, loaded, sample_csv):
    # text/plain is a type a page may POST to any site without asking it first (no CORS preflight).
    response = post_raw_csv(client, sample_csv, content_type="text/plain", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert response.json()["Desc"] == messages.CROSS_SITE
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == loaded
