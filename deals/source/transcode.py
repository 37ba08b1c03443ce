"""The CSV's text in an encoding COPY reads: UTF-16/32 and other charsets turned into UTF-8 in chunks.

COPY converts UTF-8 and Windows-1251 itself (in C, with its own line numbers for bad bytes), so
those pass through untouched. UTF-16 and UTF-32 (Excel's "Unicode Text", found by the BOM or by
the NUL bytes of an ASCII header), and any declared charset COPY does not know, go through
Python's incremental decoder (C code for every codec we expect) one chunk at a time.

A declared charset (the part's `Content-Type: text/csv; charset=...`) wins over detection.
"""

import codecs
from collections.abc import Iterator
from functools import partial
from typing import BinaryIO

from deals import messages
from deals.errors import UploadError
from deals.source.compression import BrokenAt

SNIFF_BYTES = 64  # enough to see a BOM, or the NUL bytes between the letters of a UTF-16 header
UNICODE_BOMS = (  # the 4-byte ones first: a UTF-32-LE BOM starts like a UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Python codec name -> PostgreSQL's name, for the charsets COPY converts itself.
COPY_ENCODINGS = {
    "utf-8": "UTF8",
    "utf-8-sig": "UTF8",
    "cp1251": "WIN1251",
    "cp1252": "WIN1252",
    "cp1250": "WIN1250",
    "cp866": "WIN866",
    "koi8-r": "KOI8R",
    "koi8-u": "KOI8U",
    "iso8859-1": "LATIN1",
    "iso8859-2": "LATIN2",
    "iso8859-5": "ISO_8859_5",
    "iso8859-15": "LATIN9",
}


class Transcoded:
    """A file-like `read()` of the CSV in `encoding` (PostgreSQL's name), known after the first read.

    `encoding` stays None when nothing was declared and the text is not UTF-16/32: the reader
    that sees the header then tells UTF-8 from Windows-1251. `declared` is the declared charset.
    """

    def __init__(self, file: BinaryIO, *, charset: str | None = None) -> None:
        self._file = file
        self.declared = charset.strip() if charset and charset.strip() else None
        self.encoding: str | None = None
        self._chunks: Iterator[bytes] | None = None

    def read(self, size: int = -1) -> bytes:
        if self._chunks is None:
            self._chunks = self._start()
        return next(self._chunks, b"")

    def _start(self) -> Iterator[bytes]:
        head = b""
        while len(head) < SNIFF_BYTES:
            more = self._file.read(SNIFF_BYTES)
            if not more:
                break
            head += more
        codec, head = self._codec(head)
        if codec is None:
            return self._passed(head)
        self.encoding = "UTF8"
        return self._decoded(head, codec)

    def _codec(self, head: bytes) -> tuple[str | None, bytes]:
        """The Python codec to decode with (None: COPY reads the bytes as they are), and the head."""
        if self.declared is not None:
            try:
                name = codecs.lookup(self.declared).name
            except LookupError:
                raise UploadError(messages.unknown_charset(self.declared)) from None
            if name in COPY_ENCODINGS:
                self.encoding = COPY_ENCODINGS[name]
                return None, head
            if name in ("utf-16", "utf-32"):  # the byte order from the BOM, else from the text
                bom_codec, head = _unicode_by_bom(head)
                return bom_codec or _unicode_by_nuls(head, name) or f"{name}-le", head
            return name, head
        bom_codec, head = _unicode_by_bom(head)
        return bom_codec or _unicode_by_nuls(head), head

    def _passed(self, head: bytes) -> Iterator[bytes]:
        data = head
        while data:
            yield data
            data = self._file.read(-1)

    def _decoded(self, data: bytes, codec: str) -> Iterator[bytes]:
        decoder = codecs.getincrementaldecoder(codec)()
        while True:
            final = not data
            try:
                text = decoder.decode(data, final=final)
            except UnicodeDecodeError as error:
                good = error.object[: error.start].decode(codec, errors="replace")
                if good:
                    yield good.encode("utf-8", errors="surrogatepass")
                raise BrokenAt(
                    self._bad_text(codec, error.object[error.start : min(error.end, error.start + 4)])
                ) from None
            if text:
                yield text.encode("utf-8", errors="surrogatepass")
            if final:
                return
            data = self._file.read(-1)

    def _bad_text(self, codec: str, bad: bytes) -> partial:
        detail = messages.bytes_detail(bad)
        return partial(messages.bad_encoding, encoding=codec, detail=detail, declared=self.declared)


def _unicode_by_bom(head: bytes) -> tuple[str | None, bytes]:
    for bom, codec in UNICODE_BOMS:
        if head.startswith(bom):
            return codec, head[len(bom) :]
    return None, head


def _unicode_by_nuls(head: bytes, family: str = "") -> str | None:
    """UTF-16/32 without a BOM: an ASCII header puts NUL bytes on one side of every letter."""
    even, odd = head[0:SNIFF_BYTES:2], head[1:SNIFF_BYTES:2]
    if len(head) < 8 or family == "utf-32":
        return None
    if even.count(0) == 0 and odd.count(0) == len(odd):
        return "utf-16-le"
    if odd.count(0) == 0 and even.count(0) == len(even):
        return "utf-16-be"
    return None
