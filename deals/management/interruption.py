"""Ctrl-C during `manage.py load_deals`, turned into an interruption the upload history can name.

psycopg2 pulls the file from inside COPY and replaces any exception raised there by its own
QueryCanceled, and a KeyboardInterrupt lands wherever Python happens to be (usually the loader's
own read). So SIGINT only sets a flag, and the next read of the file raises KeyboardInterrupt
where upload_record's reader sees it. Once the whole file is read there is no next read: the first
Ctrl-C then says the load is finishing, and a second one interrupts it wherever it is.
"""

import signal
import sys
import threading
from contextlib import contextmanager
from typing import BinaryIO


class InterruptibleReader:
    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self.interrupted = False
        self.finished_reading = False

    def read(self, size: int = -1) -> bytes:
        if self.interrupted:
            raise KeyboardInterrupt
        data = self._file.read(size)
        if not data and size != 0:
            self.finished_reading = True
        return data

    def on_sigint(self, signum, frame) -> None:
        if not self.finished_reading:
            self.interrupted = True
            return
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("the file is read and the load is being published; Ctrl-C again abandons it", file=sys.stderr)


@contextmanager
def interruptible(file: BinaryIO):
    """`file` wrapped so that Ctrl-C stops the load at its next read (main thread only)."""
    reader = InterruptibleReader(file)
    if threading.current_thread() is not threading.main_thread():
        yield reader
        return
    previous = signal.signal(signal.SIGINT, reader.on_sigint)
    try:
        yield reader
    finally:
        signal.signal(signal.SIGINT, previous)
