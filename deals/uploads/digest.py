"""The file's size and SHA-256, computed as the loader streams it: each byte is read once."""

import hashlib
from typing import BinaryIO

DRAIN_BYTES = 1 << 20


class DigestingReader:
    """A file-like `read()` that counts and hashes whatever passes through it."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._sha256 = hashlib.sha256()
        self.bytes_read = 0
        self.at_end = False
        self.read_error: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._file.read(size)
        except BaseException as error:
            self.read_error = error
            raise
        if not data and size != 0:
            self.at_end = True
        self._sha256.update(data)
        self.bytes_read += len(data)
        return data

    def drain(self) -> None:
        """Read what the loader left (it stops at a bad line), so size and hash describe the whole file."""
        while not self.at_end:
            self.read(DRAIN_BYTES)

    def hexdigest(self) -> str | None:
        return self._sha256.hexdigest() if self.at_end else None
