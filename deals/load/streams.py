"""A load's COPY streams: the file's records spread over connections of the loader's own, side by side.

One COPY is one PostgreSQL backend, one core. Here the request thread (the feeder) reads the
cleaned chunks of the file and hands them out in batches, round robin, to DEALS_COPY_STREAMS
streams; each stream is a thread with its own connection and transaction, COPYing into its own new
table (deal_rows_<load>_s<k>), so COPY ... FREEZE works in every one of them.

One lifecycle: `CopyStreams(...)` (start), `feed(chunk)` for every chunk, then `finish()` (every
stream has stored its share: commit them all, the total row count) or `abort()` (a read failed: every
stream's COPY is cancelled). `drop()` removes the committed tables of a load that failed later.

Guarantees kept from one COPY:
- a batch ends only where a record ends (a line end outside quotes), never inside a quoted value;
- memory stays flat: each stream's queue holds at most QUEUE_CHUNKS chunks, the feeder waits;
- line numbers are exact: each stream first sends a line COPY skips (HEADER), so COPY counts LFs
  only from its first record on; each batch remembers where it starts in its stream and in the
  whole body, so a stream's error line maps to the body's, then to the file's (CopySource);
- the first error is the same whatever the timing: after a stream fails no new batch is handed
  out, every stream finishes what it was given, and the error with the smallest physical line wins
  (every batch before the failing one was handed out, so an earlier error is always found).
Small files cost one connection: stream k > 0 is opened only when the file has a (k+1)-th batch.
"""

import queue
import threading
from bisect import bisect_right
from contextlib import closing, suppress

from deals.driver import Error as PgError
from deals.driver import connect, copy_in, pg_error, pgsql
from deals.load.copy_errors import copy_line, is_files_fault
from deals.load.partitions import stream_table_name
from deals.source.csv_format import CHUNK_BYTES, CopySource
from deals.sql import compose_sql, read_sql

# The first line of every stream's COPY, skipped as its header: COPY learns the line end from it.
# Before its first line end COPY counts CRs, not LFs, inside quoted values (copyfromparse.c).
HEADER_LINE = b"stream\n"
QUEUE_CHUNKS = 3  # chunks waiting per stream: enough to keep its COPY busy, little memory
_END = b""  # end of data: the COPY completes
_ABORT = None  # the feeder failed: the COPY is cancelled


class StreamAborted(Exception):
    """Raised in a stream's read(): psycopg2 then ends the COPY with CopyFail."""


class CopyStream(threading.Thread):
    """One connection, one transaction, one table: COPYs what the feeder queues, as a file-like read()."""

    def __init__(self, index: int, *, load_id: int, source: CopySource, settings: "StreamSettings", observer) -> None:
        super().__init__(name=f"load-{load_id}-copy-{index}", daemon=True)
        self.index = index
        self.table = stream_table_name(load_id, index)
        self.rows = 0
        self.error: BaseException | None = None
        self.connection = None
        self._load_id = load_id
        self._source = source
        self._settings = settings
        self._observer = observer
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._header_sent = False
        self._ended = False  # the feeder's last item (end or abort) was taken
        self._starts: list[int] = []  # the stream's COPY line each batch starts at (ascending) ...
        self._body_starts: list[int] = []  # ... and the whole body's COPY line it starts at
        self.lines = 0  # LFs queued so far

    # The feeder's side

    def batch_start(self, body_line: int) -> None:
        """The next chunks are a batch whose first line is the body's COPY line `body_line`."""
        self._starts.append(self.lines + 1)
        self._body_starts.append(body_line)

    def put(self, item: bytes | None) -> None:
        self._queue.put(item)  # never blocks for good: a failed stream drains its queue

    # The thread's side

    def run(self) -> None:
        try:
            self.connection = connect(self._settings.connect_params)
            cursor = self.connection.cursor()
            self._settings.prepare(cursor, load_id=self._load_id)
            table = pgsql.Identifier(self.table)
            cursor.execute(
                compose_sql(
                    "load/stream_create",
                    table=table,
                    load_id=pgsql.Literal(self._load_id),
                    stream=pgsql.Literal(self.index),
                )
            )
            self._observer.copy_started(self.connection.get_backend_pid())
            self.rows = copy_in(cursor, copy_statement(self._source, table), self, chunk_bytes=CHUNK_BYTES)
            cursor.execute(compose_sql("load/stream_analyze", table=table))
        except BaseException as error:  # reported by the feeder, in file order
            self.error = error
            while not self._ended:  # so the feeder's put() never waits for a stream that stopped
                self._ended = self._queue.get() in (_END, _ABORT)

    def read(self, size: int = -1) -> bytes:
        if not self._header_sent:
            self._header_sent = True
            return HEADER_LINE
        item = self._queue.get()
        if item is _ABORT:
            self._ended = True
            raise StreamAborted
        self._ended = item == _END
        return item

    def body_line(self, line: int) -> int:
        """The whole body's COPY line for this stream's COPY line `line` (the header being its line 1)."""
        data_line = max(line - 1, 1)
        if not self._starts:
            return data_line
        batch = max(bisect_right(self._starts, data_line) - 1, 0)
        return self._body_starts[batch] + data_line - self._starts[batch]

    def close(self, *, commit: bool) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        with closing(connection):
            if commit:
                connection.commit()
            else:
                with suppress(PgError):
                    connection.rollback()


class StreamSettings:
    """What every stream's connection needs: Django's connection parameters and the load's session settings."""

    def __init__(self, *, connect_params: dict, lock_timeout_ms: int) -> None:
        self.connect_params = connect_params
        self.lock_timeout_ms = lock_timeout_ms

    def prepare(self, cursor, *, load_id: int) -> None:
        """The main connection's settings, for this transaction: UTC dates, bounded lock waits; and the
        mark that tells cleanup this session is one of the load's streams, not a reader of old loads."""
        cursor.execute(read_sql("load/utc_dates"))
        cursor.execute(read_sql("load/lock_timeout"), {"timeout": f"{self.lock_timeout_ms}ms"})
        cursor.execute(read_sql("load/stream_mark"), {"load_id": load_id})


def copy_statement(source: CopySource, table: pgsql.Identifier) -> pgsql.Composed:
    """The COPY for this file's dialect: its column order, encoding and delimiter."""
    return compose_sql(
        "load/stream_copy",
        table=table,
        columns=pgsql.SQL(", ").join(pgsql.Identifier(name) for name in source.format.columns),
        encoding=pgsql.Literal(source.format.encoding),
        delimiter=pgsql.Literal(source.format.delimiter),
    )


def record_end(chunk: bytes, *, after: int, inside: bool) -> int | None:
    """Where the first record ending at or after offset `after` of `chunk` ends: just past an LF outside
    quotes (`inside`: the chunk starts inside a quoted value); None when no record ends there.

    COPY's own rule: any quote character opens or closes a quoted value ("" inside one closes and
    reopens it), so the parity of the quotes before an LF says whether it ends a record.
    """
    position = max(after, 0)
    quotes, counted = int(inside), 0
    while (found := chunk.find(b"\n", position)) >= 0:
        quotes += chunk.count(b'"', counted, found)
        counted = found
        if quotes % 2 == 0:
            return found + 1
        position = found + 1
    return None


class CopyStreams:
    """The feeder: hands batches of whole records to up to `count` streams, round robin."""

    def __init__(
        self, *, count: int, batch_bytes: int, load_id: int, source: CopySource, settings: StreamSettings, observer
    ) -> None:
        self.streams: list[CopyStream] = []
        self.failed: CopyStream | None = None  # the stream whose error finish() raised
        self.committed = False  # the streams' tables exist for everyone: drop() them if the load fails
        self._count = max(count, 1)
        self._batch_bytes = batch_bytes
        self._new_stream = lambda index: CopyStream(
            index, load_id=load_id, source=source, settings=settings, observer=observer
        )
        self._settings = settings
        self._source = source
        self._batches = 0
        self._current: CopyStream | None = None  # the stream taking the batch being fed
        self._batch_fed = 0
        self._body_lines = 0  # LFs fed so far, to all streams
        self._inside = False  # the body fed so far ends inside a quoted value (the source's count)

    @property
    def tables(self) -> list[tuple[int, str]]:
        return [(stream.index, stream.table) for stream in self.streams]

    def feed(self, chunk: bytes) -> bool:
        """Hand on the chunk the source's read() has just returned; False once a stream has failed (the
        caller stops reading: finish() reports the error)."""
        inside = self._inside
        while chunk:
            if self._current is None:
                if any(stream.error is not None for stream in self.streams):
                    return False
                self._current = self._next_stream()
                self._current.batch_start(self._body_lines + 1)
            cut = record_end(chunk, after=self._batch_bytes - self._batch_fed - 1, inside=inside)
            part, chunk = (chunk, b"") if cut is None else (chunk[:cut], chunk[cut:])
            self._current.put(part)
            lines = part.count(b"\n")
            self._current.lines += lines
            self._body_lines += lines
            self._batch_fed += len(part)
            if cut is not None:
                self._current, self._batch_fed = None, 0
                inside = False  # a batch ends where a record does: outside quotes
        # Where the chunk ends, as the source counted it while cleaning the chunk: not counted twice.
        self._inside = self._source.ends_inside
        return True

    def _next_stream(self) -> CopyStream:
        index = self._batches % self._count
        self._batches += 1
        if index == len(self.streams):
            self.streams.append(self._new_stream(index))
            self.streams[-1].start()
        return self.streams[index]

    def finish(self) -> int:
        """End every stream's COPY; commit all and return the rows stored, or raise the first error in the file."""
        self._end(_END)
        failed = [stream for stream in self.streams if stream.error is not None]
        if failed:
            for stream in self.streams:
                stream.close(commit=False)
            self.failed = min(failed, key=self._error_order)
            raise self.failed.error
        self.committed = True  # from the first commit on: a failure in a later one leaves the others
        try:
            for stream in self.streams:
                stream.close(commit=True)
        finally:
            for stream in self.streams:  # those a failed commit left open
                stream.close(commit=False)
        return sum(stream.rows for stream in self.streams)

    def abort(self) -> None:
        """Cancel every stream's COPY (the file could not be read) and roll them back."""
        self._end(_ABORT)
        for stream in self.streams:
            stream.close(commit=False)

    def body_line(self, line: int) -> int:
        """The whole body's COPY line for line `line` of the stream whose error finish() raised."""
        return self.failed.body_line(line) if self.failed is not None else line

    def drop(self) -> None:
        """Drop the committed tables of a load that failed after finish(), best effort, on a new
        connection (the load's own may be gone); what is left is the cleanup sweep's."""
        if not self.streams:
            return
        with closing(connect(self._settings.connect_params)) as connection:
            connection.autocommit = True
            cursor = connection.cursor()
            cursor.execute(
                read_sql("load/session_timeouts"),
                {"lock_timeout": f"{self._settings.lock_timeout_ms}ms", "statement_timeout": "60s"},
            )
            for stream in self.streams:
                cursor.execute(compose_sql("load/table_drop", table=pgsql.Identifier(stream.table)))

    def _end(self, item: bytes | None) -> None:
        for stream in self.streams:
            stream.put(item)
        for stream in self.streams:
            stream.join()

    def _error_order(self, stream: CopyStream) -> tuple[int, int]:
        """Errors in the file first, by the physical line of their record; then the others, by stream."""
        error = pg_error(stream.error)
        line = copy_line(error) if is_files_fault(error) else None
        if line is None:
            return (1, stream.index)
        return (0, self._source.physical_line(stream.body_line(line)))
