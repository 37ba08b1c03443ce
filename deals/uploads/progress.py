"""Live progress of a running upload: its phase, the bytes read so far, the backends whose COPY stores it.

Cheap for the load by design: nothing is written per chunk. The loader's thread only updates a few
numbers in memory; a recorder thread writes them to the upload's row at most once a second
(`RECORD_SECONDS`) and at once when the phase changes or a COPY stream starts, on a connection of
its own (the load's transaction would hide the update until commit). It first writes one interval
after the start, so an upload that ends sooner never opens that connection.

The rows are counted as each COPY statement of the load's streams ends (one a batch, see
deals/load/streams.py), from the row count COPY itself returns: exact, and never going back, at
the granularity of a batch (DEALS_COPY_BATCH_BYTES). The API's history reads them from the row,
`load_deals`' bar from the snapshots.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import BinaryIO

from deals import driver
from deals.models import Upload
from deals.sql import read_sql

logger = logging.getLogger("deals.uploads")

RECEIVING, COPYING, PUBLISHING = Upload.Phase.RECEIVING, Upload.Phase.COPYING, Upload.Phase.PUBLISHING
RECORD_SECONDS = 1.0  # how often, at most, a running upload's row is updated (besides phase changes)


@dataclass(frozen=True)
class Snapshot:
    """What is known about a running upload at one moment."""

    phase: str = RECEIVING
    bytes_received: int = 0
    copy_pids: tuple[int, ...] = ()
    rows_so_far: int = 0  # rows stored (checked, for a check) by the COPY statements that have ended
    rows_copied: int | None = None  # COPY's total, once it has ended


class UploadProgress:
    """The progress of one upload: fed by its file reader and by the loader (a LoadObserver).

    `listener`, if given, is called with each new Snapshot in the thread that made the change
    (load_deals draws its bar from it). `recorded(...)` keeps the upload's row up to date.
    """

    def __init__(self, *, upload_id: int, listener: Callable[[Snapshot], None] | None = None) -> None:
        self.upload_id = upload_id
        self._listener = listener
        self._snapshot = Snapshot()
        self._lock = threading.Lock()
        self._recorder: ProgressRecorder | None = None

    def snapshot(self) -> Snapshot:
        return self._snapshot  # replaced whole, never mutated: safe to read from any thread

    def reader(self, file: BinaryIO) -> "ProgressReader":
        return ProgressReader(file, self)

    def received(self, count: int) -> None:
        """`count` more bytes of the file were read; 0 at its end (COPY is then storing the last rows)."""
        if count:
            self._change(bytes_received=self._snapshot.bytes_received + count)
        elif self._snapshot.phase == RECEIVING:
            self._change(phase=COPYING, notable=True)

    # LoadObserver (deals/load/loader.py)

    def copy_started(self, pid: int) -> None:
        self._change(copy_pids=(*self._snapshot.copy_pids, pid), notable=True)

    def rows_copied(self, rows: int) -> None:
        self._change(rows_so_far=lambda snapshot: snapshot.rows_so_far + rows)

    def copy_finished(self, rows: int) -> None:
        self._change(phase=PUBLISHING, rows_copied=rows, notable=True)

    def _change(self, *, notable: bool = False, **changes) -> None:
        """Replace the snapshot; a change given as a function gets the current snapshot (the streams'
        threads add their rows at once)."""
        with self._lock:
            current = self._snapshot
            values = {name: value(current) if callable(value) else value for name, value in changes.items()}
            self._snapshot = replace(current, **values)
            snapshot = self._snapshot
        if notable and self._recorder is not None:
            self._recorder.wake()
        if self._listener is not None:
            self._listener(snapshot)

    def recorded(self, *, connect_params: dict) -> "ProgressRecorder":
        """`with progress.recorded(connect_params=...):` around the load keeps the upload's row current."""
        self._recorder = ProgressRecorder(self, connect_params=connect_params)
        return self._recorder


class ProgressReader:
    """Passes the file through unchanged, telling the progress how much has been read."""

    def __init__(self, file: BinaryIO, progress: UploadProgress) -> None:
        self._file = file
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        if data or size != 0:
            self._progress.received(len(data))
        return data


class ProgressRecorder(threading.Thread):
    """Writes an upload's Snapshot to its row when it has changed: at most every RECORD_SECONDS,
    at once for a phase change or a new COPY stream; never after `stop()` returns (the final
    record is the service's)."""

    def __init__(self, progress: UploadProgress, *, connect_params: dict, interval: float = RECORD_SECONDS) -> None:
        super().__init__(name=f"upload-{progress.upload_id}-progress", daemon=True)
        self._progress = progress
        self._connect_params = connect_params
        self._interval = interval
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._connection = None

    def __enter__(self) -> "ProgressRecorder":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        self.join()

    def run(self) -> None:
        if self._stopped.wait(self._interval):
            return  # over within one interval: nothing worth showing, no connection opened
        recorded = None
        try:
            while not self._stopped.is_set():
                snapshot = self._progress.snapshot()
                if snapshot != recorded:
                    self._write(snapshot)
                    recorded = snapshot
                self._wake.wait(self._interval)
                self._wake.clear()
        except driver.Error as error:  # progress is a courtesy: the load goes on without it
            logger.warning("upload=%s progress not recorded: %s", self._progress.upload_id, str(error).strip())
        finally:
            if self._connection is not None:
                self._connection.close()

    def _write(self, snapshot: Snapshot) -> None:
        if self._connection is None:
            self._connection = driver.connect(self._connect_params)
            self._connection.autocommit = True
        with self._connection.cursor() as cursor:
            cursor.execute(
                read_sql("uploads/progress_record"),
                {
                    "upload_id": self._progress.upload_id,
                    "phase": snapshot.phase,
                    "bytes_received": snapshot.bytes_received,
                    "copy_pids": list(snapshot.copy_pids),
                    "rows_copied": snapshot.rows_so_far if snapshot.rows_copied is None else snapshot.rows_copied,
                },
            )
