"""Logs: one key=value line per upload and per error; user errors never log a stack trace."""

import logging

import pytest

from deals.models import Upload
from tests.support import csv_of, post_csv

pytestmark = pytest.mark.django_db


def upload_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "deals.uploads"]


def fields(record: logging.LogRecord) -> dict:
    return dict(part.split("=", 1) for part in record.getMessage().split(" ") if "=" in part)


def test_a_successful_upload_logs_one_line_with_id_bytes_rows_duration_and_outcome(client, sample_csv, caplog):
    caplog.set_level(logging.INFO)
    upload_id = post_csv(client, sample_csv).json()["upload"]
    [line] = upload_lines(caplog)
    assert line.levelno == logging.INFO
    logged = fields(line)
    assert logged["upload"] == str(upload_id)
    assert logged["outcome"] == "loaded"
    assert logged["bytes"] == str(len(sample_csv))
    assert logged["rows"] == "767"
    assert logged["load"] == str(Upload.objects.get().load_id)
    assert int(logged["duration_ms"]) >= 0


def test_a_user_error_logs_one_warning_line_without_a_stack_trace(client, caplog):
    caplog.set_level(logging.INFO)
    content = csv_of(("alice", "Ruby", "12a"))
    post_csv(client, content)
    [line] = upload_lines(caplog)
    assert line.levelno == logging.WARNING
    assert line.getMessage() == (
        f"upload={Upload.objects.get().pk} outcome=failed status=400 file=deals.csv bytes={len(content)} "
        f"duration_ms={fields(line)['duration_ms']} "
        'error="line 2, column \\"total\\": \\"12a\\" is not a whole number"'
    )
    assert all(record.exc_info is None for record in caplog.records)
    assert "Traceback" not in caplog.text


def test_a_refused_request_logs_one_line(client, caplog):
    caplog.set_level(logging.INFO)
    client.post("/api/deals/", {}, format="multipart")
    [line] = upload_lines(caplog)
    assert fields(line)["outcome"] == "failed"
    assert fields(line)["status"] == "400"
    assert all(record.exc_info is None for record in caplog.records)
