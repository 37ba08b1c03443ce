"""Upload history: every attempt to replace the dataset, recorded around the loader.

`upload_record` is the one entry point of the API's POST and of `manage.py load_deals`. It writes
the attempt's row *before* the load, in its own autocommitted statement. Success is recorded
*inside* the load's publishing transaction (the loader's `on_publish`), so the live dataset and
its `loaded` record commit together: a worker killed in between can no longer leave the live
dataset with a `running` record. A failure is recorded *after* the load, autocommitted, so a
load that rolls back still leaves its record. The file's size and SHA-256 are computed as the
loader streams it (each byte is read once, memory stays flat).
"""

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import DateTimeField, Func

from deals import messages
from deals.api.statuses import http_status
from deals.errors import Failure, UploadError, as_failure, too_large_error
from deals.load.loader import LoadResult, deals_load
from deals.models import Upload
from deals.ops import metrics
from deals.ops.logfmt import logfmt
from deals.uploads.digest import DigestingReader
from deals.uploads.progress import RECEIVING, Snapshot, UploadProgress

logger = logging.getLogger("deals.uploads")  # the name operators know; kept when the module moved


@dataclass(frozen=True)
class UploadOutcome:
    upload_id: int
    load_id: int | None  # None for a check-only upload
    rows: int
    bytes_read: int
    sha256: str
    live: bool  # still the live dataset when the load returned (another upload may have published after it)
    checked: bool = False  # a check-only upload: the file was read and checked, nothing was published


class ClockTimestamp(Func):
    """clock_timestamp(): the moment of the statement, where now() would be when its transaction began."""

    template = "clock_timestamp()"
    output_field = DateTimeField()


@dataclass(frozen=True)
class FailedAttempt:
    """A failed attempt whose record waits for its caller to say what the client was told."""

    upload_id: int
    name: str
    size: int | None
    sha256: str | None
    started: float

    def record(self, error: UploadError) -> None:
        _record_failure(self.upload_id, error, size=self.size, sha256=self.sha256, started=self.started, name=self.name)


def upload_record(
    *,
    file: BinaryIO,
    name: str,
    size: int | None = None,
    charset: str | None = None,
    content_encoding: str | None = None,
    on_failure: Callable[[FailedAttempt], None] | None = None,
    listener: Callable[[Snapshot], None] | None = None,
    check_only: bool = False,
) -> UploadOutcome:
    """Load `file` as the new dataset through deals_load, recording the attempt; raise UploadError.

    `check_only`: read and check it exactly as a load would and publish nothing (deals_load's
    check_only); the record says it was a check, and `checked` once no line was at fault.

    `size`, when known beforehand, lets a file over DEALS_MAX_UPLOAD_BYTES be refused unread.
    `charset` and `content_encoding` are what the sender declared about the file, if anything.
    `on_failure`, when given, receives a failed attempt instead of it being recorded here: the
    intake records it once the request has ended, with exactly what its client is told.
    The attempt's row shows its progress while it runs (deals/uploads/progress.py); `listener`
    is also told of each change.
    """
    started = time.monotonic()
    upload = Upload.objects.create(file_name=name, size_bytes=size, phase=RECEIVING, check_only=check_only)
    limit = settings.DEALS_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        error = too_large_error(limit)
        _failed(FailedAttempt(upload.pk, name, size, None, started), error, on_failure)
        raise error
    reader = DigestingReader(file)
    progress = UploadProgress(upload_id=upload.pk, listener=listener)

    def record_loaded(result: LoadResult) -> None:
        # Inside the publishing transaction: an error here fails the load, it is not swallowed.
        Upload.objects.filter(pk=upload.pk).update(
            finished_at=ClockTimestamp(),
            status=Upload.Status.LOADED,
            phase=None,
            http_status=200,
            size_bytes=reader.bytes_read,
            sha256=reader.hexdigest(),
            rows_loaded=result.rows,
            load_id=result.load_id,
        )

    try:
        with progress.recorded(connect_params=connection.get_connection_params()):
            result = deals_load(
                file=progress.reader(reader),
                charset=charset,
                content_encoding=content_encoding,
                observer=progress,
                on_publish=record_loaded,
                check_only=check_only,
            )
    except BaseException as exc:
        # psycopg2 replaces an exception raised while COPY pulls the file with its own
        # QueryCanceled, and a stream aborted mid-load cancels the query: the reader, or the
        # stream's abort reason, keeps what really happened.
        cause = reader.read_error or getattr(file, "abort_reason", None) or exc
        if isinstance(cause, Exception):
            error = as_failure(cause)
        else:  # Ctrl-C in load_deals (KeyboardInterrupt) or SystemExit: the load rolled back
            error = UploadError(messages.INTERRUPTED, Failure.STOPPED)
        if isinstance(cause, UploadError) and reader.read_error is None:
            # The loader stopped at a bad line; hash the rest, unless the stream itself ends early.
            with contextlib.suppress(Exception):
                reader.drain()
        size = reader.bytes_read if reader.at_end else size
        _failed(FailedAttempt(upload.pk, name, size, reader.hexdigest(), started), error, on_failure)
        if cause is exc:
            raise
        raise cause from None
    outcome = UploadOutcome(
        upload_id=upload.pk,
        load_id=result.load_id,
        rows=result.rows,
        bytes_read=reader.bytes_read,
        sha256=reader.hexdigest(),
        live=result.live,
        checked=result.checked,
    )
    if result.checked:  # nothing was published: the record is written now, on its own
        _record(
            upload.pk,
            status=Upload.Status.CHECKED,
            http_status=200,
            size_bytes=outcome.bytes_read,
            sha256=outcome.sha256,
            rows_loaded=outcome.rows,
        )
    outcome_name = Upload.Status.CHECKED.value if result.checked else Upload.Status.LOADED.value
    metrics.upload_finished(
        outcome=outcome_name,
        status=200,
        seconds=time.monotonic() - started,
        size_bytes=outcome.bytes_read,
        rows=None if result.checked else outcome.rows,
    )
    _log(
        logging.INFO,
        upload=upload.pk,
        outcome=outcome_name,
        file=name,
        bytes=outcome.bytes_read,
        rows=outcome.rows,
        load=outcome.load_id,
        live=outcome.live,
        duration_ms=_ms_since(started),
        sha256=outcome.sha256,
    )
    return outcome


def upload_refused(*, size: int | None, error: UploadError) -> None:
    """Record an attempt refused before any file part arrived (none at all, too large, no slot), so unnamed."""
    try:
        upload = _reconnecting(lambda: Upload.objects.create(file_name="", size_bytes=size))
    except DatabaseError as exc:  # the database is why it was refused: the log keeps the attempt
        status = http_status(error.kind)
        _log(logging.ERROR, outcome="unrecorded", status=status, error=error.desc, cause=str(exc).strip())
        return
    _record_failure(upload.pk, error, size=size, sha256=None, started=time.monotonic(), name="")


def _failed(attempt: FailedAttempt, error: UploadError, on_failure: Callable[[FailedAttempt], None] | None) -> None:
    if on_failure is None:
        attempt.record(error)
    else:
        on_failure(attempt)


def _record_failure(
    upload_id: int, error: UploadError, *, size: int | None, sha256: str | None, started: float, name: str
) -> None:
    status = http_status(error.kind)  # the number the client got (for load_deals, the API's)
    metrics.upload_finished(
        outcome="failed", status=status, seconds=time.monotonic() - started, size_bytes=size, rows=None
    )
    _record(
        upload_id,
        status=Upload.Status.FAILED,
        error=error.desc,
        problems=error.problems.as_dict() if error.problems else None,
        http_status=status,
        size_bytes=size,
        sha256=sha256,
    )
    level = logging.ERROR if status >= 500 else logging.WARNING
    _log(
        level,
        upload=upload_id,
        outcome="failed",
        status=status,
        file=name,
        bytes=size,
        duration_ms=_ms_since(started),
        error=error.desc,
    )


def _record(upload_id: int, **outcome) -> None:
    """Write the outcome in its own statement; a database that has gone away only costs the record."""
    try:
        _reconnecting(
            lambda: Upload.objects.filter(pk=upload_id).update(finished_at=ClockTimestamp(), phase=None, **outcome)
        )
    except DatabaseError as exc:
        _log(logging.ERROR, upload=upload_id, outcome="unrecorded", error=str(exc).strip())


def _reconnecting(write: Callable):
    """Run `write`; if the connection was lost (the load's backend was terminated, the server
    restarted), once more on a new connection. Not inside a transaction: that one is gone anyway.
    """
    try:
        return write()
    except DatabaseError:
        if connection.in_atomic_block or (connection.connection is not None and connection.is_usable()):
            raise  # a real error of the statement, not a lost connection
        connection.close()
        return write()


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _log(level: int, **fields) -> None:
    logger.log(level, logfmt(**fields))
