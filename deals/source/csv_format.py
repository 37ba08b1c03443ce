"""What kind of deals.csv this is, decided from its first bytes, and its body made COPY-ready.

Python looks at the header line and at most one leading sample; the rows themselves are only
passed through in large chunks (CRLF normalised and blank lines dropped with C-speed bytes
operations), and PostgreSQL's COPY does all parsing and type checking.
"""

import csv
import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import BinaryIO

from deals import messages
from deals.errors import UploadError
from deals.source.columns import COLUMNS

BOM = b"\xef\xbb\xbf"
SAMPLE_BYTES = 1 << 20  # read before deciding the encoding; also the longest header accepted
CHUNK_BYTES = 1 << 20  # what each read hands to COPY; also what the multipart parser hands over
MAX_LINE_BYTES = 4 << 20  # beyond this a "line" is passed on uncut, so memory stays bounded
# A line holding nothing but spaces or tabs (and a CR), preceded by the end of the line before it.
BLANK_LINE = re.compile(rb"(?<=\n)[ \t\r]*\n")


@dataclass(frozen=True)
class CsvFormat:
    encoding: str  # PostgreSQL's name: UTF8 or WIN1251
    delimiter: str
    columns: tuple[str, ...]  # in the file's order


def detect_encoding(sample: bytes) -> str:
    """UTF-8 when there is a BOM or the sample reads as UTF-8, else Windows-1251.

    A sample that is mostly valid multi-byte UTF-8 with a few bad bytes stays UTF-8, so COPY
    reports the bad bytes with their line instead of the file loading as mojibake; cp1251 text
    (Cyrillic letters are bytes 0xC0-0xFF) is almost never valid UTF-8 for more than a letter.
    """
    if sample.startswith(BOM):
        return "UTF8"
    try:
        sample.decode("utf-8")
        return "UTF8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(sample):
            return "UTF8"  # the sample merely cut a character in two
    text = sample.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid_non_ascii = len(text) - len(text.encode("ascii", errors="ignore")) - invalid
    return "UTF8" if valid_non_ascii > 2 * invalid else "WIN1251"


def parse_header(line: bytes, encoding: str) -> CsvFormat:
    """Column order and delimiter from the header; names compared case-insensitively, trimmed."""
    text = line.decode("cp1251" if encoding == "WIN1251" else "utf-8", errors="replace")
    text = text.removeprefix("\ufeff").rstrip("\r\n")
    candidates = []
    for delimiter in (",", ";"):
        names = next(csv.reader([text], delimiter=delimiter), [])
        candidates.append((delimiter, tuple(name.strip().lower() for name in names)))
    for delimiter, names in candidates:
        if sorted(names) == sorted(COLUMNS):
            return CsvFormat(encoding=encoding, delimiter=delimiter, columns=names)
    _, names = max(candidates, key=lambda c: len(set(c[1]) & set(COLUMNS)))
    raise UploadError(messages.bad_header(found=names, expected=COLUMNS))


class CopySource:
    """A file-like `read()` for psycopg2's copy_expert over the body after the header.

    It keeps only the physical line numbers of dropped blank lines (as runs), so an error at
    COPY's line N can be reported at the line the user sees in their editor.
    """

    def __init__(self, upload: BinaryIO) -> None:
        self._upload = upload
        self._pending = b""  # bytes read but not yet handed on (up to the last newline)
        self._eof = False
        self._lines_passed = 0  # physical lines fully consumed so far
        self._dropped = array("q")  # physical numbers (1-based) of dropped lines, ascending
        self._quotes = 0  # quote characters seen so far; odd means inside a quoted value
        self.open_quote_line = 0  # line of the last quote that opened a quoted value
        self.format = self._read_header()

    def _read_more(self, size: int) -> bytes:
        data = self._upload.read(size)
        if not data:
            self._eof = True
        return data

    def _read_header(self) -> CsvFormat:
        buffer = b""
        while not self._eof and len(buffer) < SAMPLE_BYTES:
            buffer += self._read_more(SAMPLE_BYTES - len(buffer))
        if not buffer.strip(b" \t\r\n" + BOM):
            raise UploadError(messages.EMPTY_FILE)
        encoding = detect_encoding(buffer)
        start = len(BOM) if buffer.startswith(BOM) else 0
        while True:  # skip blank lines before the header
            end = buffer.find(b"\n", start)
            if end < 0:
                if not self._eof:
                    raise UploadError(messages.HEADER_TOO_LONG)
                end = len(buffer)
            line = buffer[start : end + 1]
            self._lines_passed += 1
            if line.strip(b" \t\r\n"):
                break
            self._dropped.append(self._lines_passed)
            start = end + 1
        self._pending = buffer[end + 1 :]
        nul = buffer.find(b"\x00")
        try:
            csv_format = parse_header(line, encoding)
        except UploadError:
            if nul >= 0:  # an image or a spreadsheet, not a CSV with a broken header
                raise UploadError(messages.NOT_TEXT) from None
            raise
        if nul >= 0:  # COPY would only say "invalid byte sequence"; name the line now
            raise UploadError(messages.at_line(buffer.count(b"\n", 0, nul) + 1, messages.NUL_BYTE))
        return csv_format

    def read(self, size: int = CHUNK_BYTES) -> bytes:
        while True:
            if not self._eof:
                self._pending += self._read_more(max(size, CHUNK_BYTES))
            cut = len(self._pending) if self._eof else self._pending.rfind(b"\n") + 1
            if cut == 0 and not self._eof:
                if len(self._pending) < MAX_LINE_BYTES:
                    continue  # finish the line before cleaning it
                cut = len(self._pending)  # no CSV line is this long: let COPY report it
            chunk, self._pending = self._pending[:cut], self._pending[cut:]
            chunk = self._clean(chunk)
            if chunk or self._eof:
                return chunk

    def _track_quotes(self, chunk: bytes) -> None:
        """Remember where the last quoted value opened, so an unclosed one is reported where it starts.

        The quote that opened the value still open is the last one with an odd running count.
        """
        count = chunk.count(b'"')
        if not count:
            return
        position = chunk.rfind(b'"')
        if (self._quotes + count) % 2 == 0 and count > 1:
            position = chunk.rfind(b'"', 0, position)
        if (self._quotes + count) % 2 == 1 or count > 1:
            self.open_quote_line = self._lines_passed + chunk.count(b"\n", 0, position) + 1
        self._quotes += count

    def _clean(self, chunk: bytes) -> bytes:
        self._track_quotes(chunk)
        # A leading "\n" lets BLANK_LINE see a blank first line; it is removed again below.
        marked = b"\n" + chunk
        if BLANK_LINE.search(marked):
            first_line = self._lines_passed + 1
            for match in BLANK_LINE.finditer(marked):
                self._dropped.append(first_line + marked.count(b"\n", 0, match.start()) - 1)
            marked = BLANK_LINE.sub(b"", marked)
        self._lines_passed += chunk.count(b"\n")
        chunk = marked[1:]
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n")
        return chunk

    def physical_line(self, copy_line: int) -> int:
        """The file's line number for COPY's data line `copy_line` (the header being line 1).

        Data lines are the physical lines that are neither dropped nor the header; the answer is
        the smallest line with `copy_line` data lines up to and including it.
        """
        low, high = copy_line + 1, copy_line + 1 + len(self._dropped)
        while low < high:
            middle = (low + high) // 2
            if middle - bisect_right(self._dropped, middle) - 1 >= copy_line:
                high = middle
            else:
                low = middle + 1
        return low
