"""An upload's bytes with gzip or zstd undone as they arrive, in C, in bounded memory.

Recognised by magic bytes (file names and part types lie); multi-member gzip (pigz, `cat a.gz
b.gz`) and multi-frame zstd (zstd --long, seekable writers) are read to the end. The size of
what comes out is checked as it comes out, so a decompression bomb is stopped at the limit
(DEALS_MAX_CSV_BYTES) after at most one chunk of work.
"""

import zlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import BinaryIO

import zstandard

from deals import messages
from deals.errors import Failure, UploadError
from deals.source.formats import GZIP, SNIFF_BYTES, ZSTD, compression_of, refusal

RAW_CHUNK = 1 << 20  # compressed bytes read at a time
OUT_CHUNK = 1 << 20  # decompressed bytes handed on at a time (gzip: exactly at most this)
# zstd has no output bound per call: an RLE block turns 4 bytes into 128 KiB, so 1 KiB of
# input is at most 32 MiB of output. Slicing costs nothing measurable (docs/benchmarks-history.md).
ZSTD_SLICE = 1 << 10
GZIP_WBITS = 31  # zlib's code for "a gzip header and trailer"
CONTENT_ENCODINGS = {"": None, "identity": None, "gzip": GZIP, "x-gzip": GZIP, "zstd": ZSTD}


class BrokenAt(Exception):
    """The stream breaks at this point; everything before it has been handed on.

    Raised by a layer that cannot tell lines apart (a decompressor, a decoder); the reader that
    counts lines turns it into an UploadError naming the line: `describe(line)`.
    """

    def __init__(self, describe: Callable[[int], str]) -> None:
        super().__init__(describe(0))
        self.describe = describe


class Decompressed:
    """A file-like `read()` of the CSV inside `file`: gzip and zstd undone, other formats refused.

    `content_encoding` is what the request declared (HTTP Content-Encoding), if anything: the
    bytes must then be in that encoding. Without it the magic bytes decide.
    """

    def __init__(self, file: BinaryIO, *, limit: int, content_encoding: str | None = None) -> None:
        self._file = file
        self._limit = limit
        self._declared = _declared_compression(content_encoding)
        self._out = 0
        self._chunks: Iterator[bytes] | None = None
        self.compression: str | None = None  # known after the first read

    def read(self, size: int = -1) -> bytes:
        if self._chunks is None:
            self._chunks = self._start()
        chunk = next(self._chunks, b"")
        self._out += len(chunk)
        if self._out > self._limit:
            raise UploadError(messages.csv_too_large(self._limit), Failure.TOO_LARGE)
        return chunk

    def _start(self) -> Iterator[bytes]:
        head = self._read_raw(SNIFF_BYTES)
        self.compression = compression_of(head)
        if self._declared is not None and self.compression != self._declared:
            raise UploadError(messages.not_compressed_as_declared(self._declared))
        if self.compression is None:
            if refused := refusal(head):
                raise UploadError(refused)
            return self._plain(head)
        chunks = self._gunzip(head) if self.compression == GZIP else self._unzstd(head)
        return self._checked_inside(chunks)

    def _read_raw(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            more = self._file.read(size - len(data))
            if not more:
                break
            data += more
        return data

    def _plain(self, head: bytes) -> Iterator[bytes]:
        data = head
        while data:
            yield data
            data = self._file.read(RAW_CHUNK)

    def _checked_inside(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """A tar in a .tar.gz, or a file compressed twice, is named rather than read as text."""
        head = b""
        for chunk in chunks:
            if head is not None:
                head += chunk
                if len(head) < SNIFF_BYTES:
                    continue
                yield from self._refuse_or_pass(head)
                head = None
            else:
                yield chunk
        if head:
            yield from self._refuse_or_pass(head)

    def _refuse_or_pass(self, head: bytes) -> Iterator[bytes]:
        if compression_of(head):
            raise UploadError(messages.COMPRESSED_TWICE)
        if refused := refusal(head):
            raise UploadError(refused)
        yield head

    def _gunzip(self, data: bytes) -> Iterator[bytes]:
        member = zlib.decompressobj(GZIP_WBITS)
        member_started = True
        while True:
            if not data:
                data = self._file.read(RAW_CHUNK)
                if not data:
                    if member_started and not member.eof:
                        raise BrokenAt(partial(messages.compressed_cut_short, kind="gzip"))
                    return
            try:
                out = member.decompress(data, OUT_CHUNK)
            except zlib.error as error:
                detail = str(error)
                raise BrokenAt(partial(messages.compressed_corrupt, kind="gzip", detail=detail)) from None
            member_started = True
            data = member.unconsumed_tail
            if member.eof:  # the next member, if any, starts in what is left
                data = member.unused_data + data
                member = zlib.decompressobj(GZIP_WBITS)
                member_started = False
            if out:
                yield out

    def _unzstd(self, data: bytes) -> Iterator[bytes]:
        decompressor = zstandard.ZstdDecompressor()
        frame = decompressor.decompressobj()
        frame_started = True
        pending: list[bytes] = []
        pending_size = 0
        while True:
            if not data:
                data = self._file.read(RAW_CHUNK)
                if not data:
                    if pending:
                        yield b"".join(pending)
                    if frame_started and not frame.eof:
                        raise BrokenAt(partial(messages.compressed_cut_short, kind="zstd"))
                    return
            view, position = memoryview(data), 0
            while position < len(view):
                piece = view[position : position + ZSTD_SLICE]
                try:
                    out = frame.decompress(piece)
                except zstandard.ZstdError as error:
                    if pending:  # never an empty chunk: readers take that for the end of the file
                        yield b"".join(pending)
                    detail = str(error).removeprefix("zstd decompress error: ")
                    raise BrokenAt(partial(messages.compressed_corrupt, kind="zstd", detail=detail)) from None
                position += len(piece)
                frame_started = True
                if frame.eof:  # the next frame, if any, starts in what this one left of the piece
                    position -= len(frame.unused_data)
                    frame = decompressor.decompressobj()
                    frame_started = False
                if out:
                    pending.append(out)
                    pending_size += len(out)
                    if pending_size >= OUT_CHUNK:
                        yield b"".join(pending)
                        pending, pending_size = [], 0
            data = b""


def _declared_compression(content_encoding: str | None) -> str | None:
    name = (content_encoding or "").strip().lower()
    if name not in CONTENT_ENCODINGS:
        raise UploadError(messages.unsupported_content_encoding(content_encoding), Failure.BAD_REQUEST)
    return CONTENT_ENCODINGS[name]
