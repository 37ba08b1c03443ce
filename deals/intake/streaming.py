"""Load the uploaded deals.csv while it is still arriving, instead of after it has been spooled.

Django's multipart parser normally writes the whole file part to a temporary file and only then
hands it to the view, so receiving the body and COPY run one after the other (for a 550 MB file,
several seconds of writing and re-reading a temporary file before COPY starts). Here an upload
handler passes each chunk of the `deals` part through a bounded ChunkPipe to a thread that runs
the ordinary loading service (`upload_record(file=pipe, name=...)`, which records the attempt and
calls `deals_load`), so PostgreSQL parses rows while the rest of the body is
still on the wire, and nothing but a few chunks is ever held.

The load does not commit by itself: its COPY sees end-of-file only when the view calls
`commit()`, after it has checked the whole request (exactly one `deals` file, size limit). Any
other way out (an error, a second file, a client that disconnects) aborts the pipe, so COPY
fails and the load's transaction rolls back with its table.

The loader thread borrows the request's database connection (Django's thread sharing) rather
than opening its own: the request thread does not use it while the load runs, the number of
connections stays one per request, and the load's transaction is the same one it would be
without streaming (which is what keeps a test's rollback around it working).
"""

import threading
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.db import DEFAULT_DB_ALIAS, connections

from deals import driver, messages
from deals.errors import Failure, UploadError
from deals.intake.chunk_pipe import ChunkPipe
from deals.intake.failures import intake_failure
from deals.source.csv_format import CHUNK_BYTES

PIPE_CHUNKS = 8  # chunks waiting for COPY at most: the memory an upload holds on to
ABORT_GRACE_SECONDS = 1.0  # after this, a loader still busy (waiting for a lock) is cancelled


class ReceivedUpload(UploadedFile):
    """What request.FILES holds for a file part that was streamed or skipped, not stored."""

    def __init__(self, name: str, content_type: str, size: int) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def close(self) -> None:  # there is no file behind it
        pass


class StreamingLoad:
    """`with StreamingLoad(request, field="deals", loader=upload_record) as load:` ... `load.commit()`.

    Installs the upload handler on entering; touching request.FILES inside the block then starts
    `loader(file=<the part as it arrives>, name=<its file name>)` as soon as the file part begins.
    Leaving the block without `commit()` aborts it; `abort(error)` makes the loader fail with
    `error`. The block is left only once the loader's thread has ended, so the caller (the intake
    service) then knows all that happened and records the attempt.
    """

    def __init__(self, request, *, field: str, loader: Callable) -> None:
        self._request = request
        self.field = field
        self._loader = loader
        self._connection = connections[DEFAULT_DB_ALIAS]
        self._pipe = ChunkPipe(PIPE_CHUNKS)
        self._thread: threading.Thread | None = None
        self._file_name = ""
        self._charset: str | None = None
        self._result = None
        self._error: BaseException | None = None
        self._done = False

    def __enter__(self) -> "StreamingLoad":
        self._request.upload_handlers = [_StreamingHandler(self)]
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if not self._done:  # the request failed: the load's record gets what the client is told
            self.abort(intake_failure(exc) if exc is not None else None)

    @property
    def started(self) -> bool:
        return self._thread is not None

    def raise_if_failed(self) -> None:
        """Raise the load's error if it has already ended in one."""
        if self._error is not None:
            self._thread.join()
            raise self._error

    def start(self, file_name: str, *, charset: str | None = None) -> None:
        self._file_name = file_name
        self._charset = charset
        self._connection.inc_thread_sharing()
        self._thread = threading.Thread(target=self._run, name="deals-load", daemon=True)
        self._thread.start()

    def write(self, chunk: bytes) -> bool:
        return self._pipe.write(chunk)

    def commit(self):
        """Let COPY see the end of the file, wait for the load to commit; its result or its error."""
        self._done = True
        if not self.started:
            raise UploadError(messages.NO_FILE, Failure.BAD_REQUEST)
        self._pipe.close()
        self._join()
        if self._error is not None:
            raise self._error
        return self._result

    def _run(self) -> None:
        connections[DEFAULT_DB_ALIAS] = self._connection
        try:
            self._result = self._loader(file=self._pipe, name=self._file_name, charset=self._charset)
        except BaseException as error:  # handed to the request thread, which raises it
            self._error = error
        finally:
            self._pipe.reader_done()

    def abort(self, reason: BaseException | None = None) -> None:
        """Stop a load that has started; the loader sees `reason` as its file's read error."""
        self._done = True
        if not self.started:
            return
        self._pipe.abort(reason)
        self._thread.join(ABORT_GRACE_SECONDS)
        if self._thread.is_alive():
            driver.cancel(self._connection)  # e.g. still waiting for another load's lock
        self._join()

    def _join(self) -> None:
        self._thread.join()
        self._connection.dec_thread_sharing()


class _StreamingHandler(FileUploadHandler):
    """Feeds the first file part of the load's field into the load; keeps no file at all.

    A second part in that field is counted and dropped, so the view still sees two files and
    refuses the request; parts in other fields are skipped. A load that fails before COPY ends (a
    bad header, a lock not had in time) stops the parsing (the rest of the body is read and
    discarded) and its error is raised when the parser finishes, so request.FILES raises exactly
    what the load raised. A bad row deeper in the file surfaces only when COPY ends: psycopg2's
    copy_expert reads PostgreSQL's answer at the end of the copy.
    """

    chunk_size = CHUNK_BYTES

    def __init__(self, load: StreamingLoad) -> None:
        super().__init__()
        self._load = load
        self._streaming = False  # the current part is the one being loaded
        self._in_field = False  # the current part is in the load's field and not yet complete
        self._interrupted = False

    def new_file(self, field_name, file_name, *args, **kwargs) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self._in_field = field_name == self._load.field
        if not self._in_field:
            raise SkipFile()
        self._streaming = not self._load.started
        if self._streaming:
            charset = self.charset.decode("latin-1") if isinstance(self.charset, bytes) else self.charset
            self._load.start(file_name, charset=charset)  # the part's Content-Type charset, if any

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self._streaming and not self._load.write(raw_data):
            raise StopUpload(connection_reset=False)  # the load failed: skip the rest of the body

    def file_complete(self, file_size: int) -> ReceivedUpload:
        self._streaming = self._in_field = False
        return ReceivedUpload(self.file_name, self.content_type, file_size)

    def upload_interrupted(self) -> None:
        # Django also calls this when the last part was skipped; only a part of ours counts.
        self._interrupted = self._in_field

    def upload_complete(self) -> None:
        self._load.raise_if_failed()
        if self._interrupted:
            raise UploadError(messages.UPLOAD_INTERRUPTED, Failure.INTERRUPTED)
