"""Replace the live dataset with an uploaded deals.csv, atomically: the service behind POST.

`deals_load` is the algorithm; each step below runs one named statement of sql/load/, so a change
to one step replaces that step alone.

The load's transaction (Django's connection) takes the load's number and its owner lock first and
stays open to the end, so cleanup never drops a table of a running load. Streaming takes no global
lock, so uploads never wait for each other while their files arrive: the file is COPYed over
DEALS_COPY_STREAMS connections of the loader's own (deals/load/streams.py), each into a table of its
own, committed (with its statistics) once every stream has stored its share. Publishing (create
the load's partition, attach the streams' tables under it and it under deal_rows, pointer, the
caller's success record, refresh, commit) runs under the publish lock, one upload at a time; the
dataset is that of the upload that published last. Every lock wait is bounded: the publish lock by
DEALS_PUBLISH_WAIT_SECONDS, every other statement by DEALS_PUBLISH_LOCK_TIMEOUT_MS (an analyst's
LOCK on deal_rows makes the upload fail with BUSY, never hang while it holds the publish lock).

A file with bad lines is checked to its end all the same, and every bad line raised as one
UploadError (deals/load/streams.py); a check-only load (`check_only`) reads and checks the file in
exactly this way, then returns before anything is stored or published.

Readers never wait for the load: the report is refreshed CONCURRENTLY, the attach takes a lock
that readers do not conflict with, and `deals` switches to the new rows when the one-row pointer
commits. A failure anywhere rolls the load's transaction back and drops the streams' tables (a
crash leaves them to the cleanup sweep).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from deals import messages
from deals.driver import Error as PgError
from deals.driver import errorcodes, pgcode, pgsql
from deals.errors import Failure, UploadError
from deals.load.cleanup import loads_sweep, room_check
from deals.load.partitions import staging_table_name
from deals.load.streams import CheckLimits, CopyStreams, StreamSettings
from deals.models import TopCustomer
from deals.source.csv_format import CHUNK_BYTES, CopySource
from deals.source.stream import csv_stream
from deals.sql import compose_sql, read_sql

logger = logging.getLogger("deals.loader")  # the name operators know; kept when the module moved


@dataclass(frozen=True)
class LoadResult:
    load_id: int | None  # None for a check-only load, which publishes nothing
    rows: int
    live: bool = True  # still the live dataset once committed (False: another upload published after it)
    checked: bool = False  # a check-only load: the file was read and checked, nothing was stored


class LoadObserver(Protocol):
    """Told where the load is, so a running upload can show it (deals/uploads/progress.py)."""

    def copy_started(self, pid: int) -> None:
        """A COPY stream starts in backend `pid` (pg_stat_progress_copy counts its rows); once per stream."""

    def rows_copied(self, rows: int) -> None:
        """A COPY statement of a stream has stored (or, once the load only checks, checked) `rows` more rows."""

    def copy_finished(self, rows: int) -> None:
        """Every COPY stream has ended with `rows` stored in all; publishing starts."""


class _Unobserved:
    def copy_started(self, pid: int) -> None: ...

    def rows_copied(self, rows: int) -> None: ...

    def copy_finished(self, rows: int) -> None: ...


def deals_load(
    *,
    file: BinaryIO,
    charset: str | None = None,
    content_encoding: str | None = None,
    observer: LoadObserver | None = None,
    on_publish: Callable[[LoadResult], None] | None = None,
    check_only: bool = False,
) -> LoadResult:
    """Load `file` (a deals.csv, any supported dialect) as the new dataset, or raise UploadError.

    `charset` and `content_encoding` are what the sender declared (deals/source/stream.py);
    `observer` is told when each COPY stream starts and when they have all ended (live progress).
    `on_publish(result)` runs inside the publishing transaction, under the publish lock, on this
    thread's connection: what it writes (the upload's success record) commits with the dataset or
    not at all. `check_only`: read and check the whole file exactly as a load would, raise the same
    errors, and store and publish nothing (the result then has `checked` set).
    """
    observer = observer or _Unobserved()
    source = CopySource(csv_stream(file, charset=charset, content_encoding=content_encoding))
    streams: CopyStreams | None = None
    try:
        # durable: the load is its own transaction; inside someone else's it would not publish.
        with transaction.atomic(durable=True), connection.cursor() as cursor:
            bound_lock_waits(cursor)
            if not check_only:
                room(cursor)
            utc_dates(cursor)
            load_id = number(cursor)
            streams = start(load_id, source, observer, check_only=check_only)
            rows = copy(streams, source)
            observer.copy_finished(rows)
            if rows == 0:
                raise UploadError(messages.NO_ROWS)
            if check_only:
                return LoadResult(load_id=None, rows=rows, live=False, checked=True)
            publish_lock(cursor)
            attach(cursor, load_id, streams)
            publish(cursor, load_id)
            if on_publish is not None:
                on_publish(LoadResult(load_id=load_id, rows=rows))
            refresh()
    except BaseException as error:
        tables_drop(streams)
        if not isinstance(error, (PgError, DatabaseError)):
            raise
        upload_error = failure(error, source)
        if upload_error is None:
            raise
        raise upload_error from None
    cleanup()
    return LoadResult(load_id=load_id, rows=rows, live=is_live(load_id))


def failure(error: BaseException, source: CopySource) -> UploadError | None:
    """The UploadError a database error means for this upload; None when it is neither the reader's
    (the file's bad lines come from the streams as an UploadError already) nor a lock wait's."""
    if source.read_failure is not None:  # COPY only says it was canceled: the file's fault, said by the reader
        return source.read_failure
    if pgcode(error) == errorcodes.LOCK_NOT_AVAILABLE:
        return UploadError(messages.lock_wait(settings.DEALS_PUBLISH_LOCK_TIMEOUT_MS), Failure.BUSY)
    return None


def room(cursor) -> None:
    """Before the load touches deal_rows: refuse (NO_ROOM) if stored loads are at their bound
    (deals/load/cleanup.py). Not under the publish lock (its cleanup pass waits for transactions that
    use deal_rows, this one's too, once it has created its table): uploads streaming at the same time
    each pass it, so the bound is exceeded by at most the number of uploads streaming at once."""
    room_check(cursor)


def bound_lock_waits(cursor) -> None:
    """Every statement of the load waits at most DEALS_PUBLISH_LOCK_TIMEOUT_MS for a lock (then BUSY)."""
    cursor.execute(read_sql("load/lock_timeout"), {"timeout": f"{settings.DEALS_PUBLISH_LOCK_TIMEOUT_MS}ms"})


def publish_lock(cursor) -> None:
    """One upload publishes at a time: wait at most DEALS_PUBLISH_WAIT_SECONDS for the one before (then BUSY).

    Taken only once the file is in its table: uploads stream side by side and queue here, for as
    long as the one before needs to attach and refresh. Every later statement gets the shorter
    bound back (bound_lock_waits).
    """
    cursor.execute(read_sql("load/lock_timeout"), {"timeout": f"{settings.DEALS_PUBLISH_WAIT_SECONDS}s"})
    try:
        cursor.execute(read_sql("load/publish_lock"))
    except DatabaseError as error:
        if pgcode(error) == errorcodes.LOCK_NOT_AVAILABLE:
            raise UploadError(messages.BUSY, Failure.BUSY) from None
        raise
    bound_lock_waits(cursor)


def utc_dates(cursor) -> None:
    cursor.execute(read_sql("load/utc_dates"))


def number(cursor) -> int:
    cursor.execute(read_sql("load/load_next_id"))
    return cursor.fetchone()[0]


def start(load_id: int, source: CopySource, observer: LoadObserver, *, check_only: bool) -> CopyStreams:
    """The load's COPY streams (deals/load/streams.py), on connections of the loader's own."""
    return CopyStreams(
        count=settings.DEALS_COPY_STREAMS,
        batch_bytes=settings.DEALS_COPY_BATCH_BYTES,
        load_id=load_id,
        source=source,
        settings=StreamSettings(
            connect_params=connection.get_connection_params(),
            lock_timeout_ms=settings.DEALS_PUBLISH_LOCK_TIMEOUT_MS,
        ),
        observer=observer,
        check_only=check_only,
        limits=CheckLimits(listed=settings.DEALS_MAX_REPORTED_ERRORS, counted=settings.DEALS_MAX_COUNTED_ERRORS),
    )


def copy(streams: CopyStreams, source: CopySource) -> int:
    """Hand the file's chunks to the COPY streams until its end (or a stream's failure); the rows
    they stored, each stream's table committed and analyzed. A failed read cancels every stream."""
    try:
        while chunk := source.read(CHUNK_BYTES):
            if not streams.feed(chunk):
                break
    except BaseException:
        streams.abort()
        raise
    return streams.finish()


def attach(cursor, load_id: int, streams: CopyStreams) -> None:
    """The load's partition, partitioned by stream, with every stream's table under it, joins deal_rows.

    The CHECKs on load_id and stream prove every bound: no ATTACH scans a row.
    """
    partition = pgsql.Identifier(staging_table_name(load_id))
    cursor.execute(compose_sql("load/load_partition_create", partition=partition, load_id=pgsql.Literal(load_id)))
    for stream, table in streams.tables:
        cursor.execute(
            compose_sql(
                "load/stream_attach", partition=partition, table=pgsql.Identifier(table), stream=pgsql.Literal(stream)
            )
        )
    cursor.execute(compose_sql("load/staging_attach", staging=partition, load_id=pgsql.Literal(load_id)))


def tables_drop(streams: CopyStreams | None) -> None:
    """After a failure: drop the tables the streams committed, best effort (the sweep gets the rest)."""
    if streams is None or not streams.committed:
        return
    try:
        streams.drop()
    except PgError as error:
        logger.warning("could not drop the tables of a failed load (cleanup will): %s", str(error).strip())


def publish(cursor, load_id: int) -> None:
    cursor.execute(read_sql("load/dataset_publish"), {"load_id": load_id})


def is_live(load_id: int) -> bool:
    """After commit: whether this load is still the live one (another may have published since)."""
    with connection.cursor() as cursor:
        cursor.execute(read_sql("load/live_load"))
        return cursor.fetchone()[0] == load_id


def refresh() -> None:
    """The report, refreshed in the publishing transaction (sql/report/top_customers.sql)."""
    TopCustomer.refresh(concurrently=True, strict=True)


def cleanup() -> None:
    """After commit: a cleanup pass (deals/load/cleanup.py), never failing the upload."""
    try:
        loads_sweep()
    except (PgError, DatabaseError) as error:  # the upload has committed: report, do not fail it
        logger.warning("could not clean up old loads: %s", str(error).strip())
