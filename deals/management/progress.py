"""Progress of a load for `manage.py load_deals`: a bar on a terminal, plain lines otherwise.

Drawn from the same source as the upload's live record in GET /api/uploads/ (deals/uploads/progress.py):
the upload's snapshots give the bytes read (the rate and, when the size is known, the ETA), the
phase, and the rows: not guessed from bytes but counted, as the API counts them, from what each
COPY statement of the load reports when it ends.
"""

import threading
import time
from typing import TextIO

from tqdm import tqdm

from deals.uploads.progress import COPYING, PUBLISHING, RECEIVING, Snapshot


class Progress:
    """What is known about a running load; subclasses decide how to show it. Thread-safe."""

    def __init__(self, *, total: int | None) -> None:
        self.total = total
        self.bytes_read = 0
        self.rows = 0
        self.phase = RECEIVING
        self.copy_pids: tuple[int, ...] = ()
        self.started = time.monotonic()
        self.copy_seconds: float | None = None  # from the start to the end of COPY, once it has ended
        self._lock = threading.Lock()

    def update(self, snapshot: Snapshot) -> None:
        """The upload's progress changed (an UploadProgress listener)."""
        with self._lock:
            self.bytes_read = snapshot.bytes_received
            self.copy_pids = snapshot.copy_pids
            self.rows = max(self.rows, snapshot.rows_so_far)
            if snapshot.rows_copied is not None and self.copy_seconds is None:
                # COPY's final count; the rate stops here.
                self.rows = snapshot.rows_copied
                self.copy_seconds = time.monotonic() - self.started
            if snapshot.phase != self.phase:
                self.phase = snapshot.phase
                self.phase_changed()
            self.refresh()

    def rows_text(self) -> str:
        if not self.rows:
            return ""  # no COPY statement has ended yet
        seconds = self.copy_seconds if self.copy_seconds is not None else time.monotonic() - self.started
        rate = f", {tqdm.format_sizeof(self.rows / seconds)} rows/s" if seconds > 0 else ""
        return f"{self.rows:,} rows{rate}"

    def phase_changed(self) -> None: ...

    def refresh(self) -> None: ...

    def close(self) -> None: ...


class BarProgress(Progress):
    """tqdm's bar in bytes (rate, ETA) with COPY's row count and the phase beside it."""

    def __init__(self, *, total: int | None, name: str, stream: TextIO) -> None:
        super().__init__(total=total)
        self._bar = tqdm(total=total, desc=name, unit="B", unit_scale=True, unit_divisor=1024, file=stream)

    def phase_changed(self) -> None:
        self._bar.set_description_str(self.phase, refresh=False)

    def refresh(self) -> None:
        self._bar.set_postfix_str(self.rows_text(), refresh=False)
        self._bar.update(self.bytes_read - self._bar.n)  # redraws at most every 0.1 s
        if self.phase != RECEIVING:
            self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


class LineProgress(Progress):
    """A plain line every `interval` seconds and at each phase, for logs and pipes."""

    def __init__(self, *, total: int | None, write, interval: float = 5.0) -> None:
        super().__init__(total=total)
        self._write = write
        self._interval = interval
        self._last = self.started

    def phase_changed(self) -> None:
        if self.phase == COPYING:
            self._write(f"read all {size(self.bytes_read)}; COPY is storing the last rows")
        else:
            self._write("COPY done; publishing the new dataset (attach, refresh the report, commit)")

    def refresh(self) -> None:
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._write(self._line(now - self.started))

    def _line(self, seconds: float) -> str:
        if self.phase == COPYING:
            return f"copying: {self.rows_text()}"
        if self.phase == PUBLISHING:
            return f"publishing: {tqdm.format_interval(seconds)} since the start"
        done = size(self.bytes_read)
        if self.total:
            done += f" of {size(self.total)} ({self.bytes_read / self.total:.0%})"
        rate = self.bytes_read / seconds if seconds > 0 else 0
        text = ", ".join(filter(None, [f"reading: {done}", f"{size(rate)}/s", self.rows_text()]))
        if self.total and rate:
            text += f", ETA {tqdm.format_interval((self.total - self.bytes_read) / rate)}"
        return text


def size(count: float) -> str:
    return tqdm.format_sizeof(count, "B", 1024).replace("kB", "KiB").replace("MB", "MiB").replace("GB", "GiB")
