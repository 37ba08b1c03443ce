"""A load's COPY streams: the file's records spread over connections of the loader's own, side by side.

One COPY is one PostgreSQL backend, one core. Here the request thread (the feeder) reads the
cleaned chunks of the file and hands them out in batches of whole records, round robin, to
DEALS_COPY_STREAMS streams; each stream is a thread with its own connection and transaction, and
COPYs each batch it is given, one COPY statement a batch, into its own new table
(deal_rows_<load>_s<k>), so COPY ... FREEZE works in every one of them.

One lifecycle: `CopyStreams(...)` (start), `feed(chunk)` for every chunk, then `finish()` (every
stream has stored its share: commit them all, the total row count; or every bad line, raised as one
UploadError) or `abort()` (a read failed: every stream's COPY is cancelled). `drop()` removes the
committed tables of a load that failed later.

Every bad line in one answer: COPY stops at the first bad record of a statement, so a stream keeps
each batch in memory until its COPY has ended. After a bad line it checks the rest of the batch
again from memory, past that line, in pieces that start small and double while they pass (a run
of bad lines costs little each, a clean rest few statements). From the first bad line on, nothing
will be stored: every stream rolls its table back and checks the batches left against a temporary
table of the same definition (sql/load/check_begin.sql), which is also all a check-only upload
does. A problem after which nothing can be read (an encoding error, a quote never closed) ends the
check there; so does a stream's DEALS_MAX_COUNTED_ERRORS-th bad line.

Guarantees kept from one COPY:
- a batch ends only where a record ends (a line end outside quotes), never inside a quoted value;
- memory stays flat: each stream's queue holds at most QUEUE_CHUNKS chunks (the feeder waits), and
  a stream keeps one batch;
- line numbers are exact: each COPY first sends a line COPY skips (HEADER), so COPY counts LFs only
  from its first record on; each batch carries the whole body's COPY line it starts at, so a
  statement's error line maps to the body's, then to the file's (CopySource);
- the answer is the same whatever the timing: after a stream finds a bad line the feeder hands out
  batches only while the check may go on, every stream checks what it was given in file order, and
  the problems are listed by line. Each stream keeps its first DEALS_MAX_REPORTED_ERRORS problems
  (the first of the whole file are among them) and the line of every one (for the count).
Small files cost one connection: stream k > 0 is opened only when the file has a (k+1)-th batch.
"""

import queue
import threading
from array import array
from bisect import bisect_right
from contextlib import closing, suppress
from dataclasses import dataclass
from itertools import chain

from deals import messages
from deals.driver import Error as PgError
from deals.driver import connect, copy_in, pgsql
from deals.errors import ProblemList, UploadError
from deals.load.copy_errors import copy_line, copy_problem, is_files_fault, is_record_problem
from deals.load.partitions import stream_table_name
from deals.source.csv_format import CHUNK_BYTES, CopySource
from deals.sql import compose_sql, read_sql

# The first line of every COPY, skipped as its header: COPY learns the line end from it.
# Before its first line end COPY counts CRs, not LFs, inside quoted values (copyfromparse.c).
HEADER_LINE = b"stream\n"
QUEUE_CHUNKS = 3  # chunks waiting per stream: enough to keep its COPY busy, little memory
RECHECK_BYTES = 16 << 10  # the first piece of a batch's rest checked again after a bad line


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_BATCH_END = _Marker("batch end")  # the batch's COPY has all its data
_END = _Marker("end")  # no more batches: the stream ends
_ABORT = _Marker("abort")  # the feeder failed: the COPY is cancelled


@dataclass(frozen=True)
class _BatchStart:
    body_line: int  # the whole body's COPY line of the batch's first line (the first record's being 1)


class StreamAborted(Exception):
    """Raised in a stream's read(): psycopg2 then ends the COPY with CopyFail."""


@dataclass(frozen=True)
class CheckLimits:
    """How far a load checks a file with bad lines (DEALS_MAX_REPORTED_ERRORS, DEALS_MAX_COUNTED_ERRORS)."""

    listed: int = 100
    counted: int = 10_000


class _Verdict:
    """What the streams of one load know together: whether any line was bad (nothing is stored then),
    and where the first problem is that ends the check (nothing after it is looked at)."""

    def __init__(self, *, check_only: bool, limits: CheckLimits) -> None:
        self.check_only = check_only
        self.limits = limits
        self.failed = threading.Event()
        self.horizon: int | None = None  # the body line of the first problem that ends the check
        self._lock = threading.Lock()

    def stop_at(self, body_line: int) -> None:
        with self._lock:
            if self.horizon is None or body_line < self.horizon:
                self.horizon = body_line


class _Batch:
    """psycopg2's file for one batch's COPY: the header line, then the batch's chunks from the queue, each
    kept (`data()`), so that the batch can be checked again after a bad line."""

    def __init__(self, stream: "CopyStream") -> None:
        self._stream = stream
        self._header_sent = False
        self._ended = False
        self.parts: list[bytes] = []

    def read(self, size: int = -1) -> bytes:
        if not self._header_sent:
            self._header_sent = True
            return HEADER_LINE
        if self._ended:
            return b""
        item = self._stream.take()
        if item is _BATCH_END:
            self._ended = True
            return b""
        self.parts.append(item)
        return item

    def skip(self) -> None:
        """Take the batch's chunks psycopg2 did not read (it stops at a failure of its own)."""
        while self.read():
            pass

    def data(self) -> bytes:
        return b"".join(self.parts)


class _Piece:
    """psycopg2's file for a piece of a batch checked again: the header line, then the piece."""

    def __init__(self, data: bytes) -> None:
        self._parts = [data, HEADER_LINE]

    def read(self, size: int = -1) -> bytes:
        return self._parts.pop() if self._parts else b""


class CopyStream(threading.Thread):
    """One connection, one table: COPYs each batch the feeder queues, or checks it once the load has failed."""

    def __init__(
        self,
        index: int,
        *,
        load_id: int,
        source: CopySource,
        settings: "StreamSettings",
        observer,
        verdict: _Verdict,
    ) -> None:
        super().__init__(name=f"load-{load_id}-copy-{index}", daemon=True)
        self.index = index
        self.table = stream_table_name(load_id, index)
        self.rows = 0
        self.error: BaseException | None = None  # a failure that is not the file's: the load fails with it
        self.bad_lines = array("q")  # the body line of every bad line found, ascending
        self.problems: list[tuple[int, PgError]] = []  # the first of them, with COPY's error
        self.stop: tuple[int, PgError] | None = None  # the problem that ended this stream's check
        self.connection = None
        self._cursor = None
        self._load_id = load_id
        self._source = source
        self._settings = settings
        self._observer = observer
        self._verdict = verdict
        self._storing = not verdict.check_only
        self._checking = False  # the session holds its temporary table (sql/load/check_begin.sql)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._ended = False  # the feeder's last item (end or abort) was taken

    # The feeder's side

    def put(self, item) -> None:
        self._queue.put(item)  # never blocks for good: a stream that stopped drains its queue

    # The thread's side

    def take(self):
        item = self._queue.get()
        if item is _ABORT:
            self._ended = True
            raise StreamAborted
        return item

    def run(self) -> None:
        try:
            self.connection = connect(self._settings.connect_params)
            self._cursor = self.connection.cursor()
            if self._storing:
                self._settings.prepare(self._cursor, load_id=self._load_id)
                self._cursor.execute(self._statement("load/stream_create"))
            else:
                self._check_begin()
            self._observer.copy_started(self.connection.get_backend_pid())
            while (start := self.take()) is not _END:
                self._copy_batch(start.body_line)
            self._ended = True
            if self._storing:
                self._cursor.execute(self._statement("load/stream_analyze"))
        except BaseException as error:  # reported by the feeder
            self.error = error
        while not self._ended:  # so the feeder's put() never waits for a stream that stopped
            self._ended = self._queue.get() in (_END, _ABORT)

    def _copy_batch(self, body_line: int) -> None:
        batch = _Batch(self)
        if self._done(body_line):
            batch.skip()
            return
        if self._storing and self._verdict.failed.is_set():
            self._check_begin()
        try:
            self._copy(batch)
            return
        except PgError as error:
            if not is_files_fault(error):
                raise
            failure = error
        batch.skip()
        if self._storing:
            self._check_begin()
        self._recheck(batch.data(), body_line, failure)

    def _recheck(self, data: bytes, body_line: int, error: PgError) -> None:
        """Check the rest of a batch after each bad line, from memory, in pieces that double while they pass."""
        position, piece = 0, RECHECK_BYTES
        while True:
            if error is not None:  # the piece from `position` failed at its COPY line `bad`
                bad = copy_line(error)
                if bad is None or not self._found(body_line + bad - 2, error):
                    return
                position = _after_lines(data, position, bad - 1)
                body_line += bad - 1
                piece, error = RECHECK_BYTES, None
            if position >= len(data) or self._done(body_line):
                return
            # `position` starts a record, so outside quotes: count them from there, not the batch's start.
            end = record_end(data, after=position + piece - 1, inside=False, start=position) or len(data)
            try:
                self._copy(_Piece(data[position:end]))
            except PgError as failure:
                if not is_files_fault(failure):
                    raise
                error = failure
                continue
            body_line += data.count(b"\n", position, end)
            position, piece = end, piece * 2

    def _copy(self, file) -> None:
        if self._storing:
            statement = copy_statement(self._source, pgsql.Identifier(self.table))
            rows = copy_in(self._cursor, statement, file, chunk_bytes=CHUNK_BYTES)
        else:  # one transaction per COPY: the temporary table is emptied at its commit
            try:
                self._cursor.execute(read_sql("load/stream_mark"), {"load_id": self._load_id})
                rows = copy_in(self._cursor, check_statement(self._source), file, chunk_bytes=CHUNK_BYTES)
                self.connection.commit()
            except BaseException:
                with suppress(PgError):
                    self.connection.rollback()
                raise
        self.rows += rows
        self._observer.rows_copied(rows)

    def _check_begin(self) -> None:
        """From here on this stream only checks: its table (if any) goes with its transaction's rollback."""
        self.connection.rollback()
        self._storing = False
        self._cursor.execute(read_sql("load/check_begin"), {"lock_timeout": f"{self._settings.lock_timeout_ms}ms"})
        self.connection.commit()
        self._checking = True

    def _found(self, body_line: int, error: PgError) -> bool:
        """Record a bad line; whether checking goes on after it."""
        self._verdict.failed.set()
        self.bad_lines.append(body_line)
        # Without its traceback: that would keep the frames, and with them the batch, alive.
        error = error.with_traceback(None)
        error.__context__ = error.__cause__ = None
        if len(self.problems) < self._verdict.limits.listed:
            self.problems.append((body_line, error))
        if not is_record_problem(error):
            self.stop = (body_line, error)
            self._verdict.stop_at(body_line)
            return False
        return len(self.bad_lines) < self._verdict.limits.counted

    def _done(self, body_line: int) -> bool:
        """Nothing from `body_line` on needs checking: past the problem that ends the check, or past this
        stream's own DEALS_MAX_COUNTED_ERRORS-th bad line (which alone makes the count a lower bound)."""
        horizon = self._verdict.horizon
        return (horizon is not None and body_line > horizon) or len(self.bad_lines) >= self._verdict.limits.counted

    def _statement(self, name: str) -> pgsql.Composed:
        return compose_sql(
            name,
            table=pgsql.Identifier(self.table),
            load_id=pgsql.Literal(self._load_id),
            stream=pgsql.Literal(self.index),
        )

    def close(self, *, commit: bool) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        with closing(connection):
            if commit:
                connection.commit()
                return
            with suppress(PgError):
                connection.rollback()
                if self._checking:
                    connection.cursor().execute(read_sql("load/check_end"))
                    connection.commit()


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
    return compose_sql("load/stream_copy", table=table, **_dialect(source))


def check_statement(source: CopySource) -> pgsql.Composed:
    """The same COPY into the session's temporary table (sql/load/check_begin.sql)."""
    return compose_sql("load/check_copy", **_dialect(source))


def _dialect(source: CopySource) -> dict[str, pgsql.Composable]:
    return {
        "columns": pgsql.SQL(", ").join(pgsql.Identifier(name) for name in source.format.columns),
        "encoding": pgsql.Literal(source.format.encoding),
        "delimiter": pgsql.Literal(source.format.delimiter),
    }


def record_end(chunk: bytes, *, after: int, inside: bool, start: int = 0) -> int | None:
    """Where the first record ending at or after offset `after` of `chunk` ends: just past an LF outside
    quotes (`inside`: the chunk is inside a quoted value at offset `start`, from which quotes are
    counted); None when no record ends there.

    COPY's own rule: any quote character opens or closes a quoted value ("" inside one closes and
    reopens it), so the parity of the quotes before an LF says whether it ends a record.
    """
    position = max(after, start)
    quotes, counted = int(inside), start
    while (found := chunk.find(b"\n", position)) >= 0:
        quotes += chunk.count(b'"', counted, found)
        counted = found
        if quotes % 2 == 0:
            return found + 1
        position = found + 1
    return None


def _after_lines(data: bytes, start: int, lines: int) -> int:
    """The offset just past the `lines`-th LF of `data` from `start` (`start` itself for none)."""
    position = start
    for _ in range(lines):
        position = data.index(b"\n", position) + 1
    return position


class CopyStreams:
    """The feeder: hands batches of whole records to up to `count` streams, round robin."""

    def __init__(
        self,
        *,
        count: int,
        batch_bytes: int,
        load_id: int,
        source: CopySource,
        settings: StreamSettings,
        observer,
        check_only: bool = False,
        limits: CheckLimits | None = None,
    ) -> None:
        self.streams: list[CopyStream] = []
        self.committed = False  # the streams' tables exist for everyone: drop() them if the load fails
        self._count = max(count, 1)
        self._batch_bytes = batch_bytes
        self._verdict = _Verdict(check_only=check_only, limits=limits or CheckLimits())
        self._new_stream = lambda index: CopyStream(
            index, load_id=load_id, source=source, settings=settings, observer=observer, verdict=self._verdict
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
        """Hand on the chunk the source's read() has just returned; False once the check cannot go on (the
        caller stops reading: finish() reports why)."""
        inside = self._inside
        while chunk:
            if self._current is None:
                if self._check_over():
                    return False
                self._current = self._next_stream()
                self._current.put(_BatchStart(self._body_lines + 1))
            cut = record_end(chunk, after=self._batch_bytes - self._batch_fed - 1, inside=inside)
            part, chunk = (chunk, b"") if cut is None else (chunk[:cut], chunk[cut:])
            self._current.put(part)
            self._body_lines += part.count(b"\n")
            self._batch_fed += len(part)
            if cut is not None:
                self._current.put(_BATCH_END)
                self._current, self._batch_fed = None, 0
                inside = False  # a batch ends where a record does: outside quotes
        # Where the chunk ends, as the source counted it while cleaning the chunk: not counted twice.
        self._inside = self._source.ends_inside
        return True

    def _check_over(self) -> bool:
        """No batch is worth handing out any more: a stream failed, or the check ended (a problem after
        which nothing can be read, or DEALS_MAX_COUNTED_ERRORS bad lines)."""
        if self._verdict.horizon is not None or any(stream.error is not None for stream in self.streams):
            return True
        return sum(len(stream.bad_lines) for stream in self.streams) >= self._verdict.limits.counted

    def _next_stream(self) -> CopyStream:
        index = self._batches % self._count
        self._batches += 1
        if index == len(self.streams):
            self.streams.append(self._new_stream(index))
            self.streams[-1].start()
        return self.streams[index]

    def finish(self) -> int:
        """End every stream's COPY; commit all and return the rows stored (checked, for a check-only load),
        or raise: the file's bad lines as one UploadError, else a stream's own failure."""
        if self._current is not None:
            self._current.put(_BATCH_END)
        self._end(_END)
        failed = next((stream.error for stream in self.streams if stream.error is not None), None)
        bad = any(stream.bad_lines for stream in self.streams)
        if failed is not None or bad or self._verdict.check_only:
            for stream in self.streams:
                stream.close(commit=False)
            if failed is not None:
                raise failed  # its share is unchecked: the list of bad lines would not be complete
            if bad:
                raise self._problems()
            return self.rows
        self.committed = True  # from the first commit on: a failure in a later one leaves the others
        try:
            for stream in self.streams:
                stream.close(commit=True)
        finally:
            for stream in self.streams:  # those a failed commit left open
                stream.close(commit=False)
        return self.rows

    @property
    def rows(self) -> int:
        return sum(stream.rows for stream in self.streams)

    def _problems(self) -> UploadError:
        """The file's bad lines, in file order, as far as the check went; the same whatever the timing."""
        limits = self._verdict.limits
        horizon = self._verdict.horizon
        lines = sorted(chain.from_iterable(stream.bad_lines for stream in self.streams))
        if horizon is not None:
            lines = lines[: bisect_right(lines, horizon)]
        found = sorted(chain.from_iterable(stream.problems for stream in self.streams), key=lambda found: found[0])
        kept = [(line, error) for line, error in found if horizon is None or line <= horizon][: limits.listed]
        listed = [copy_problem(error, self._source, body_line=line) for line, error in kept]
        exact = len(lines) < limits.counted
        count = len(lines) if exact else limits.counted
        stop = next((stream.stop for stream in self.streams if stream.stop and stream.stop[0] == horizon), None)
        stopped = None
        # Counting stopped first: the problem that ends the check is certain only among those listed.
        if stop is not None and (exact or stop[0] <= kept[-1][0]):
            stopped = copy_problem(stop[1], self._source, body_line=stop[0]).message
        desc = messages.problems_summary(
            listed[0].message, count=count, listed=len(listed), exact=exact, stopped=stopped
        )
        return UploadError(desc, problems=ProblemList(listed=tuple(listed), count=count, exact=exact))

    def abort(self) -> None:
        """Cancel every stream's COPY (the file could not be read) and roll them back."""
        self._end(_ABORT)
        for stream in self.streams:
            stream.close(commit=False)

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

    def _end(self, item) -> None:
        for stream in self.streams:
            stream.put(item)
        for stream in self.streams:
            stream.join()
