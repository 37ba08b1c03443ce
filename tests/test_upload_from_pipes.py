"""Through a real gunicorn, with the real curl: `curl -T deals.csv URL/`, `... | curl -T - URL` from a
pipe (a chunked body of unknown length), and the limits and failures of such a body."""

import gzip
import hashlib
import json
import shutil
import subprocess
import time

import pytest

from deals import messages
from deals.models import Upload
from tests.live_server import Gunicorn, HandSentBody, database_url
from tests.support import DATA, SAMPLE_ANSWER, csv_of, recorded_answers, staging_tables

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset"), pytest.mark.server]

LIMIT = 2_000_000  # DEALS_MAX_UPLOAD_BYTES of the server under test: 40 times the sample
SAMPLE = DATA / "deals.csv"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        url = database_url()
    log_path = tmp_path_factory.mktemp("pipes") / "gunicorn.log"
    with Gunicorn(database_url=url, log_path=log_path, environment={"DEALS_MAX_UPLOAD_BYTES": str(LIMIT)}) as gunicorn:
        yield gunicorn


def curl(*args: str, stdin=None) -> tuple[int, dict, str]:
    """Run the real curl; its HTTP status, its JSON answer and what it logged (-v: the request's headers)."""
    assert shutil.which("curl"), "these tests run the real curl: install it (apt-get install -y curl)"
    done = subprocess.run(
        ["curl", "-sS", "-v", "-w", "\n%{http_code}", *args],
        stdin=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    body, _, status = done.stdout.decode().rpartition("\n")
    return int(status), json.loads(body), done.stderr.decode(errors="replace")


def piped(producer: list[str], *curl_args: str) -> tuple[int, dict, str]:
    """`producer | curl -T - ...`: the body comes from a pipe, its length unknown."""
    with subprocess.Popen(producer, stdout=subprocess.PIPE) as source:
        answer = curl("-T", "-", *curl_args, stdin=source.stdout)
    return answer


def test_curl_T_file_to_the_url_ending_in_a_slash_loads_it_under_its_name(server):
    status, answer, log = curl("-T", str(SAMPLE), f"{server.url}/api/deals/")
    assert (status, answer["Status"], answer["rows"]) == (200, "OK", 767)
    assert "> PUT /api/deals/deals.csv HTTP/1.1" in log  # curl appended the name, as users never notice
    assert server.report() == SAMPLE_ANSWER
    assert Upload.objects.get(pk=answer["upload"]).file_name == "deals.csv"


def test_curl_data_binary_with_a_csv_content_type_loads_it(server):
    status, answer, _ = curl("--data-binary", f"@{SAMPLE}", "-H", "Content-Type: text/csv", f"{server.url}/api/deals/")
    assert (status, answer["rows"]) == (200, 767)
    assert server.report() == SAMPLE_ANSWER


@pytest.mark.parametrize(
    "producer", [["cat", str(SAMPLE)], ["gzip", "-c", str(SAMPLE)]], ids=["cat deals.csv", "gzip -c deals.csv"]
)
def test_a_pipe_into_curl_T_dash_streams_a_chunked_body(server, producer):
    status, answer, log = piped(producer, f"{server.url}/api/deals/")
    assert "> Transfer-Encoding: chunked" in log and "Content-Length" not in log.split("< HTTP/")[0]
    assert (status, answer["rows"]) == (200, 767), answer
    assert server.report() == SAMPLE_ANSWER
    upload = Upload.objects.get(pk=answer["upload"])
    sent = subprocess.run(producer, capture_output=True, check=True).stdout  # the same bytes again
    assert (upload.status, upload.size_bytes, upload.sha256) == (
        Upload.Status.LOADED,
        len(sent),
        hashlib.sha256(sent).hexdigest(),
    )


def test_gunzip_into_curl_loads_the_csv(server, tmp_path):
    compressed = tmp_path / "deals.csv.gz"
    compressed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    status, answer, _ = piped(["gunzip", "-c", str(compressed)], f"{server.url}/api/deals/")
    assert (status, answer["rows"]) == (200, 767)
    assert server.report() == SAMPLE_ANSWER


def test_an_export_from_another_postgresql_pipes_straight_in(server):
    assert curl("-T", str(SAMPLE), f"{server.url}/api/deals/")[0] == 200
    export = r"\copy (SELECT customer, item, total, quantity, date FROM deals) TO STDOUT CSV HEADER"
    status, answer, _ = piped(["psql", database_url(), "-X", "-q", "-c", export], f"{server.url}/api/deals/")
    assert (status, answer["rows"]) == (200, 767), answer
    assert server.report() == SAMPLE_ANSWER


def test_a_declared_charset_and_content_encoding_are_honoured_on_a_chunked_body(server, tmp_path):
    # ASCII for its first megabyte, so detection alone would take it for UTF-8.
    content = b"customer,item,total,quantity,date\n" + b"ann,Opal,1,1,2018-12-14\n" * 50_000
    path = tmp_path / "deals-cp1251.csv"
    path.write_bytes(content + "bob,Рубин,50001,1,2018-12-14\n".encode("cp1251"))
    status, answer, _ = piped(
        ["gzip", "-c", str(path)],
        "-H",
        "Content-Type: text/csv; charset=windows-1251",
        "-H",
        "Content-Encoding: gzip",
        f"{server.url}/api/deals/",
    )
    assert status == 200, answer
    assert server.report()[0] == {"username": "bob", "spent_money": 50_001, "gems": []}
    assert curl("-T", str(path), "-H", "Content-Encoding: zstd", f"{server.url}/api/deals/")[1] == {
        "Status": "Error",
        "Desc": messages.not_compressed_as_declared("zstd"),
    }


def test_a_chunked_body_over_the_limit_gets_413_mid_stream_and_changes_nothing(server):
    assert curl("-T", str(SAMPLE), f"{server.url}/api/deals/")[0] == 200
    tables = staging_tables()
    upload = HandSentBody(server.port, path="/api/deals/huge.csv")
    assert upload.send(b"customer,item,total,quantity,date\n")
    row = b"ann,Opal,1,1,2018-12-14\n" * 2_000
    sent = 0
    while upload.send(row) and sent < 20 * LIMIT:  # the server answers as soon as it has LIMIT + 1 bytes
        sent += len(row)
    answer = upload.answer()  # the body never ended (no last chunk): the answer came mid-stream
    assert (answer.status, json.loads(answer.body)) == (413, {"Status": "Error", "Desc": messages.too_large(LIMIT)})
    assert server.report() == SAMPLE_ANSWER
    assert staging_tables() == tables
    record = Upload.objects.latest("id")
    assert (record.file_name, record.status, record.error) == (
        "huge.csv",
        Upload.Status.FAILED,
        messages.too_large(LIMIT),
    )


def wait_for_record(upload_id_after: int) -> Upload:
    """The record of the next attempt, once it is finished: the server writes it after the client left."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = Upload.objects.filter(pk__gt=upload_id_after, finished_at__isnull=False).first()
        if record is not None:
            return record
        time.sleep(0.1)
    raise TimeoutError("no finished upload record after 60 s")


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "with a Content-Length"])
def test_a_body_that_stops_mid_way_is_an_interrupted_upload(server, chunked):
    assert curl("-T", str(SAMPLE), f"{server.url}/api/deals/")[0] == 200
    tables, last = staging_tables(), Upload.objects.latest("id").pk
    content = csv_of(*[(f"c{n}", "Opal", n) for n in range(20_000)])
    upload = HandSentBody(server.port, path="/api/deals/cut.csv", length=None if chunked else len(content))
    assert upload.send(content[: len(content) // 2])
    upload.hang_up()
    record = wait_for_record(last)
    assert (record.file_name, record.status, record.error) == (
        "cut.csv",
        Upload.Status.FAILED,
        messages.UPLOAD_INTERRUPTED,
    )
    assert server.report() == SAMPLE_ANSWER
    assert staging_tables() == tables


def test_a_chunked_multipart_form_gets_411_saying_to_send_a_length(server):
    upload = HandSentBody(server.port, headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    # The server may answer before the form has been sent: then the client stops sending.
    upload.send(b'--xyz\r\nContent-Disposition: form-data; name="deals"; filename="deals.csv"\r\n\r\n')
    upload.send(SAMPLE.read_bytes() + b"\r\n--xyz--\r\n")
    upload.finish()
    answer = upload.answer()
    assert (answer.status, json.loads(answer.body)) == (
        411,
        {"Status": "Error", "Desc": messages.MULTIPART_LENGTH_REQUIRED},
    )
    assert Upload.objects.latest("id").error == messages.MULTIPART_LENGTH_REQUIRED


BAD = csv_of(("ann", "Opal", 1), ("bob", "Opal", "12a"))


def test_a_bad_file_from_a_pipe_gets_the_multipart_forms_answer(server, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD)
    form = curl("-F", f"deals=@{path}", f"{server.url}/api/deals/")
    piped_answer = piped(["cat", str(path)], f"{server.url}/api/deals/")
    assert form[:2] == piped_answer[:2]
    status, answer = form[:2]
    assert (status, answer["Status"], answer["Desc"]) == (
        400,
        "Error",
        messages.at_value(3, "total", "12a", messages.NOT_WHOLE_NUMBER),
    )


def test_a_chunked_body_that_goes_silent_is_cut_off_after_the_idle_limit(tmp_path):
    idle = {"DEALS_UPLOAD_IDLE_SECONDS": "1"}
    with Gunicorn(database_url=database_url(), log_path=tmp_path / "gunicorn.log", environment=idle) as server:
        upload = HandSentBody(server.port, path="/api/deals/stalled.csv")
        assert upload.send(b"customer,item,total,quantity,date\nann,Opal,1,1,2018-12-14\n")
        answer = upload.answer()  # the client sends nothing more: the server answers after a second
    desc = messages.client_idle(1)
    assert (answer.status, json.loads(answer.body)) == (408, {"Status": "Error", "Desc": desc})
    assert recorded_answers()[-1] == ("failed", 408, desc)
    assert staging_tables() == []
