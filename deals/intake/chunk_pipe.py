"""A bounded, in-memory pipe of byte chunks from one thread to another.

The request thread writes the upload's chunks as the multipart parser finds them; the loader
thread reads them through `read()`, like a file, into COPY. At most `max_chunks` chunks wait in
between, so memory stays flat however large the upload: a writer that gets ahead simply blocks,
which in turn stops reading the socket and slows the client down (TCP backpressure).
"""

import queue
import threading

from deals import messages
from deals.errors import Failure, UploadError

_EOF = object()
_POLL_SECONDS = 0.1  # how often a blocked side looks whether the other one has gone


class PipeAborted(UploadError):
    """Raised in the reader when the writer gave up: the data will never be complete."""

    def __init__(self) -> None:
        super().__init__(messages.UPLOAD_INTERRUPTED, Failure.INTERRUPTED)


class ChunkPipe:
    def __init__(self, max_chunks: int) -> None:
        self._chunks: queue.Queue = queue.Queue(maxsize=max_chunks)
        self._aborted = threading.Event()
        self.abort_reason: BaseException | None = None  # why the writer gave up, if it said
        self._reader_gone = threading.Event()
        self._eof = False

    # The writer's side.

    def write(self, chunk: bytes) -> bool:
        """Queue `chunk`, waiting for room; False when the reader has stopped reading."""
        return self._put(chunk)

    def close(self) -> None:
        """The data is complete: the reader gets end-of-file after the last chunk."""
        self._put(_EOF)

    def abort(self, reason: BaseException | None = None) -> None:
        """The data will not be complete: the reader's next `read()` raises `reason` (or PipeAborted)."""
        self.abort_reason = reason
        self._aborted.set()

    def _put(self, item) -> bool:
        while not self._reader_gone.is_set():
            try:
                self._chunks.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    # The reader's side.

    def read(self, size: int = -1) -> bytes:
        """The next chunk, whatever its length (COPY and CopySource take any); b"" at the end."""
        while not self._eof:
            if self._aborted.is_set():
                raise self.abort_reason or PipeAborted()
            try:
                item = self._chunks.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if item is _EOF:
                self._eof = True
            else:
                return item
        return b""

    def reader_done(self) -> None:
        """The reader will read no more: unblock the writer and let the queued chunks go."""
        self._reader_gone.set()
        while True:
            try:
                self._chunks.get_nowait()
            except queue.Empty:
                return
