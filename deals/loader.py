"""Replace the live dataset with an uploaded deals.csv, atomically: the service behind POST.

The algorithm, one transaction:
  lock (one load at a time) -> number the load -> create its table -> COPY the file into it ->
  sample it for the planner -> attach it as a partition of deal_rows -> point dataset.live_load
  at it -> refresh the report -> commit. Then, outside the transaction, drop the partitions
  nobody points at any more.

Readers never wait for the load: the report is refreshed CONCURRENTLY, the attach takes a lock
that readers do not conflict with, and `deals` switches to the new rows when the one-row pointer commits.
A failure anywhere rolls everything back, including the new table.
"""

import logging
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from psycopg2 import Error as PgError
from psycopg2 import errorcodes
from psycopg2 import sql as pgsql

from deals import messages
from deals.copy_errors import translate_copy_error
from deals.csv_format import CHUNK_BYTES, CopySource
from deals.errors import UploadError
from deals.models import TopCustomer
from deals.source.stream import csv_stream
from deals.sql import compose_sql, read_sql

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    rows: int


def pg_error(error: Exception) -> PgError:
    """psycopg2's own error, which Django wraps in its DatabaseError (as __cause__)."""
    while not isinstance(error, PgError) and error.__cause__ is not None:
        error = error.__cause__
    return error


def staging_table_name(load_id: int) -> str:
    return f"deal_rows_{load_id}"


def deals_load(*, file: BinaryIO, charset: str | None = None, content_encoding: str | None = None) -> LoadResult:
    """Load `file` (a deals.csv, any supported dialect) as the new dataset, or raise UploadError.

    `charset` and `content_encoding` are what the sender declared (deals/source/stream.py).
    """
    source = CopySource(csv_stream(file, charset=charset, content_encoding=content_encoding))
    try:
        # durable: the load is its own transaction; inside someone else's it would not publish.
        with transaction.atomic(durable=True), connection.cursor() as cursor:
            _lock(cursor)
            cursor.execute(read_sql("load_next_id"))
            load_id = cursor.fetchone()[0]
            staging = pgsql.Identifier(staging_table_name(load_id))
            cursor.execute(compose_sql("staging_create", staging=staging, load_id=pgsql.Literal(load_id)))
            rows = _copy(cursor, source, staging)
            if rows == 0:
                raise UploadError(messages.NO_ROWS)
            cursor.execute(compose_sql("staging_analyze", staging=staging))
            cursor.execute(compose_sql("staging_attach", staging=staging, load_id=pgsql.Literal(load_id)))
            cursor.execute(read_sql("dataset_publish"), {"load_id": load_id})
            TopCustomer.refresh(concurrently=True, strict=True)
    except (PgError, DatabaseError) as error:
        if source.read_failure is not None:  # COPY only says it was canceled: the file's fault, said by the reader
            raise source.read_failure from None
        upload_error = translate_copy_error(pg_error(error), source)
        if upload_error is None:
            raise
        raise upload_error from None
    try:
        drop_stale_partitions()
    except DatabaseError as error:  # the upload has committed: report, do not fail it
        logger.warning("could not list old partitions to drop: %s", str(error).strip())
    return LoadResult(load_id=load_id, rows=rows)


def _lock(cursor) -> None:
    cursor.execute("SET LOCAL lock_timeout = %s", [f"{settings.DEALS_LOAD_WAIT_SECONDS}s"])
    try:
        cursor.execute(read_sql("load_lock"))
    except DatabaseError as error:
        if pg_error(error).pgcode == errorcodes.LOCK_NOT_AVAILABLE:
            raise UploadError(messages.BUSY, status_code=409) from None
        raise
    cursor.execute("SET LOCAL lock_timeout = 0")
    # Dates without an offset are UTC, whatever the server's or the role's time zone.
    cursor.execute("SET LOCAL TimeZone = 'UTC'")


def _copy(cursor, source: CopySource, staging: pgsql.Identifier) -> int:
    copy = compose_sql(
        "staging_copy",
        staging=staging,
        columns=pgsql.SQL(", ").join(pgsql.Identifier(name) for name in source.format.columns),
        encoding=pgsql.Literal(source.format.encoding),
        delimiter=pgsql.Literal(source.format.delimiter),
    )
    raw_cursor = cursor.cursor  # psycopg2's own cursor: Django's wrapper has no copy_expert
    raw_cursor.copy_expert(copy.as_string(raw_cursor), source, size=CHUNK_BYTES)
    return raw_cursor.rowcount


def drop_stale_partitions() -> list[str]:
    """Drop the partitions of loads that are no longer live; return those still held by readers.

    Each drop is its own short transaction with a lock timeout: a long query in psql that still
    reads an old partition makes us skip it (the next load retries), never wait or fail.
    """
    kept = []
    with connection.cursor() as cursor:
        cursor.execute(read_sql("stale_partitions"))
        stale = [name for (name,) in cursor.fetchall()]
    for name in stale:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = %s", [f"{settings.DEALS_CLEANUP_LOCK_TIMEOUT_MS}ms"])
                cursor.execute(compose_sql("partition_drop", partition=pgsql.Identifier(name)))
        except DatabaseError as error:
            code = pg_error(error).pgcode
            if code == errorcodes.UNDEFINED_TABLE:
                continue  # a load that committed at the same time dropped it first
            kept.append(name)
            if code == errorcodes.LOCK_NOT_AVAILABLE:
                logger.info("old partition %s is still being read; a later load drops it", name)
            else:  # the upload has committed: report, do not fail it
                logger.warning("could not drop old partition %s: %s", name, str(error).strip())
    return kept
