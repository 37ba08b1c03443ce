"""manage.py load_deals and top_customers: the API's upload and report, from a terminal."""

import fcntl
import gzip
import json
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import time
from io import StringIO
from pathlib import Path

import pytest
import zstandard
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from deals import messages
from deals.management.progress import BarProgress
from deals.models import Upload
from deals.uploads.progress import PUBLISHING, Snapshot
from tests.live_server import database_url
from tests.support import DATA, SAMPLE_ANSWER, csv_of, post_csv, report

pytestmark = pytest.mark.django_db
PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = DATA / "deals.csv"
BAD = csv_of(("alice", "Ruby", 10), ("bob", "Ruby", "12a"))
MANY = 1_000_000


@pytest.fixture(scope="module")
def many_csv(tmp_path_factory) -> Path:
    """A million deals: long enough that COPY is seen running (its row count is polled 5 times a second)."""
    path = tmp_path_factory.mktemp("data") / "many.csv"
    path.write_bytes(csv_of(*[(f"c{n % 1000}", "Opal", n) for n in range(MANY)]))
    return path


def load(*args, **options) -> str:
    out = StringIO()
    call_command("load_deals", *args, stdout=out, **options)
    return out.getvalue()


def test_loading_the_sample_gives_the_contracts_report(client):
    out = load(str(SAMPLE))
    assert report(client) == SAMPLE_ANSWER
    upload = Upload.objects.get()
    assert (
        out.splitlines()[-1]
        == f"loaded 767 deals (46,187 bytes) from deals.csv: upload {upload.pk}, load {upload.load_id}"
    )


def test_without_a_terminal_progress_is_plain_lines(client):
    out = load(str(SAMPLE))
    assert "read all 45.1KiB; COPY is storing the last rows" in out.splitlines()
    assert "\r" not in out


def test_verbosity_0_prints_nothing(client):
    assert load(str(SAMPLE), verbosity=0) == ""
    assert report(client) == SAMPLE_ANSWER


def test_no_progress_prints_only_the_summary(client):
    assert load(str(SAMPLE), "--no-progress").splitlines() == [
        f"loaded 767 deals (46,187 bytes) from deals.csv: upload {Upload.objects.get().pk}, "
        f"load {Upload.objects.get().load_id}"
    ]


def test_a_bad_file_fails_with_exactly_the_apis_error_and_changes_nothing(client, tmp_path, sample_csv):
    post_csv(client, sample_csv)
    api_desc = post_csv(client, BAD).json()["Desc"]
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD)
    with pytest.raises(CommandError) as failure:
        load(str(path))
    assert str(failure.value) == api_desc == 'line 3, column "total": "12a" is not a whole number'
    assert report(client) == SAMPLE_ANSWER
    assert Upload.objects.filter(file_name="bad.csv", status="failed", error=api_desc).exists()


@override_settings(DEALS_MAX_UPLOAD_BYTES=1000)
def test_a_file_over_the_limit_is_refused_unread_as_by_the_api():
    with pytest.raises(CommandError) as failure:
        load(str(SAMPLE))
    assert str(failure.value) == messages.too_large(1000)
    upload = Upload.objects.get()
    assert (upload.status, upload.size_bytes, upload.sha256) == ("failed", SAMPLE.stat().st_size, None)


def test_a_missing_file_is_a_command_error():
    with pytest.raises(CommandError) as failure:
        load("/no/such/deals.csv")
    assert str(failure.value) == "cannot read /no/such/deals.csv: No such file or directory"


def run_manage(*args, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SECRET_KEY": "test-only-secret"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, capture_output=True, timeout=60, **kwargs
    )


@pytest.mark.django_db(transaction=True)
def test_dash_reads_standard_input_and_exits_0(client, empty_dataset):
    done = run_manage("load_deals", "-", input=SAMPLE.read_bytes())
    assert done.returncode == 0, done.stderr.decode()
    assert report(client) == SAMPLE_ANSWER
    assert Upload.objects.get().file_name == "-"


@pytest.mark.django_db(transaction=True)
def test_standard_input_may_be_zstd_compressed(client, empty_dataset):
    done = run_manage("load_deals", "-", input=zstandard.ZstdCompressor().compress(SAMPLE.read_bytes()))
    assert done.returncode == 0, done.stderr.decode()
    assert report(client) == SAMPLE_ANSWER


@pytest.mark.parametrize(
    ("name", "compress"),
    [("deals.csv.gz", gzip.compress), ("deals.csv.zst", lambda data: zstandard.ZstdCompressor().compress(data))],
)
def test_a_compressed_file_loads_like_the_csv(client, tmp_path, name, compress):
    path = tmp_path / name
    path.write_bytes(compress(SAMPLE.read_bytes()))
    load(str(path), verbosity=0)
    assert report(client) == SAMPLE_ANSWER


def test_encoding_declares_the_files_charset(client, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(b"customer,item,total,quantity,date\n" + "ann,Рубин,1,1,2018-12-14\n".encode("koi8-r"))
    load(str(path), verbosity=0, encoding="koi8-r")
    assert report(client) == [{"username": "ann", "spent_money": 1, "gems": []}]
    with connection.cursor() as cursor:
        cursor.execute("SELECT item FROM deals")
        assert cursor.fetchone()[0] == "Рубин"


@pytest.mark.django_db(transaction=True)
def test_a_failure_exits_non_zero_with_the_error_and_no_traceback(empty_dataset):
    done = run_manage("load_deals", "-", input=BAD)
    assert done.returncode == 1
    stderr = done.stderr.decode()
    assert stderr.splitlines()[-1] == 'CommandError: line 3, column "total": "12a" is not a whole number'
    assert "Traceback" not in stderr


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_during_the_load_exits_130_records_the_interruption_and_changes_nothing(
    client, empty_dataset, many_csv, sample_csv
):
    post_csv(client, sample_csv)
    path = many_csv
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SECRET_KEY": "test-only-secret"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "load_deals", str(path)], cwd=PROJECT, env=env, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not Upload.objects.filter(file_name="many.csv").exists() or not copy_running():
        assert time.monotonic() < deadline and process.poll() is None, "the load never started its COPY"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.decode().splitlines()[-1] == f"CommandError: {messages.INTERRUPTED}"
    upload = Upload.objects.get(file_name="many.csv")
    assert (upload.status, upload.error) == ("failed", messages.INTERRUPTED)
    assert report(client) == SAMPLE_ANSWER


def copy_running() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_progress_copy")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_on_a_terminal_progress_is_a_bar_with_bytes_rate_and_rows(client, empty_dataset, many_csv):
    path = many_csv
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SECRET_KEY": "test-only-secret"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "load_deals", str(path)],
        cwd=PROJECT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    screen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0
    text = screen.decode()
    assert "\r" in text  # redrawn in place
    assert re.search(r"many\.csv: +\d+%\|", text)  # the bar, named after the file
    assert re.search(r"\d+(\.\d+)?M/\d+(\.\d+)?M \[", text)  # bytes read of the file's size
    assert re.search(r"[\d.]+[kM]?B/s", text)
    assert re.search(rf"{MANY:,} rows, [\d.]+[kM]? rows/s", text)  # COPY's final count, whenever it was polled
    assert re.search(r"(copying|publishing): 100%\|", text)  # the phases after the last byte is read
    assert f"loaded {MANY:,} deals" in text
    assert report(client)[0]["spent_money"] == sum(range(999, MANY, 1000))


def test_when_copy_ends_the_bar_shows_its_final_row_count():
    screen = StringIO()
    bar = BarProgress(total=1000, name="deals.csv", stream=screen)
    bar.update(Snapshot(phase=PUBLISHING, bytes_received=1000, copy_pids=(1, 2), rows_copied=1234))
    bar.close()
    assert re.search(r"publishing: 100%.*1,234 rows, [\d.]+[kM]? rows/s", screen.getvalue())


def test_top_customers_prints_a_table(client, sample_csv):
    post_csv(client, sample_csv)
    out = StringIO()
    call_command("top_customers", stdout=out)
    assert out.getvalue().splitlines() == [
        "rank  username        spent_money  gems",
        "   1  resplendent          451731  Рубин, Сапфир, Танзанит",
        "   2  bellwether           217794  Петерсит, Сапфир",
        "   3  uvulaperfly117       120419  Петерсит, Танзанит",
        "   4  braggadocio          108957  Изумруд",
        "   5  turophile            100132  Изумруд, Рубин",
    ]


def test_top_customers_json_is_the_apis_json(client, sample_csv):
    post_csv(client, sample_csv)
    out = StringIO()
    call_command("top_customers", "--json", stdout=out)
    assert out.getvalue().rstrip("\n") == client.get("/api/deals/").content.decode()
    assert json.loads(out.getvalue()) == {"response": SAMPLE_ANSWER}


def test_top_customers_before_any_upload():
    out = StringIO()
    call_command("top_customers", stdout=out)
    assert out.getvalue() == "no deals loaded yet\n"
    out = StringIO()
    call_command("top_customers", "--json", stdout=out)
    assert out.getvalue() == '{"response":[]}\n'
