"""What kind of deals.csv this is, decided from its first bytes, and its body made COPY-ready.

Python looks at the header line and at most one leading sample; the rows themselves are only
passed through in large chunks (CRLF and lone CR made LF, blank lines and trailing empty columns
dropped, all outside quoted values, with C-speed bytes and regex operations), and PostgreSQL's
COPY does all parsing and type checking. Quoted values are passed on exactly as they are.

`upload` is the CSV as deals/source makes it: decompressed, and transcoded when COPY cannot read
its encoding (`upload.encoding`, PostgreSQL's name, or None to detect UTF-8/Windows-1251 here).
"""

import csv
import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate, chain, compress, repeat
from operator import add, methodcaller
from typing import BinaryIO

from deals import messages
from deals.errors import LineProblem, UploadError
from deals.source.columns import COLUMNS
from deals.source.compression import BrokenAt

BOM = b"\xef\xbb\xbf"
SAMPLE_BYTES = 1 << 20  # read before deciding the encoding; also the longest header accepted
CHUNK_BYTES = 1 << 20  # what each read hands to COPY; also what the multipart parser hands over
MAX_LINE_BYTES = 4 << 20  # beyond this a "line" is passed on uncut, so memory stays bounded
DELIMITERS = (",", ";", "\t", "|")
# The end of a line followed by a line of nothing but spaces or tabs (CRs are LFs by then): removing
# the match removes the blank line. Starting with a literal LF lets the regex engine skip ahead.
BLANK_LINE = re.compile(rb"\n[ \t]*(?=\n)")
BLANK_FIRST_LINE = re.compile(rb"[ \t]*\n")
LINE_BREAK = re.compile(rb"\r\n?|\n")
COUNT_LF = methodcaller("count", b"\n")
# Matches when a line break lies inside a quoted value (the text starting outside quotes): pairs
# of quotes with no break between them are skipped possessively, so it runs in linear time.
QUOTED_BREAK = re.compile(rb'(?:[^"]*+"[^"\r\n]*+")*+[^"]*+"[^"\r\n]*+[\r\n]')


def line_breaks(data: bytes) -> int:
    """Physical line ends in `data`: LF, CRLF or a lone CR each count once."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


@dataclass(frozen=True)
class CsvFormat:
    encoding: str  # PostgreSQL's name: UTF8, WIN1251, or a declared one
    delimiter: str
    columns: tuple[str, ...]  # in the file's order
    padding: int = 0  # empty trailing header columns (Excel's trailing delimiters), dropped from every line


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


def parse_header(line: bytes, encoding: str, *, following: bytes = b"") -> CsvFormat:
    """Column order and delimiter from the header; names compared after strip().lower(), so any case and
    surrounding spaces (tabs, no-break spaces) match. `following`: the bytes after the header line, from
    which a refused header's message may tell a pandas index (0, 1, 2, ...) from another column."""
    text = _text(line, encoding).removeprefix("\ufeff").rstrip("\r\n")
    candidates = []
    for delimiter in DELIMITERS:
        names = next(csv.reader([text], delimiter=delimiter), [])
        candidates.append((delimiter, tuple(name.strip().lower() for name in names)))
    for delimiter, names in candidates:
        named = _without_trailing_empty(names)
        if sorted(named) == sorted(COLUMNS):
            return CsvFormat(encoding=encoding, delimiter=delimiter, columns=named, padding=len(names) - len(named))
    delimiter, names = max(candidates, key=lambda c: len(set(c[1]) & set(COLUMNS)))
    if names and names[0] in INDEX_NAMES and sorted(_without_trailing_empty(names[1:])) == sorted(COLUMNS):
        if _counts_from_zero(_text(following, encoding), delimiter):
            raise UploadError.at(LineProblem(1, messages.pandas_index(names[0])))
        raise UploadError.at(LineProblem(1, messages.unnamed_first_column(names[0])))
    raise UploadError.at(LineProblem(1, messages.bad_header(found=names, expected=COLUMNS)))


# What pandas' DataFrame.to_csv writes over its index: nothing, or "Unnamed: 0" once a file it read
# back (with its index column) is written again.
INDEX_NAMES = ("", "unnamed: 0")
INDEX_LINES = 3  # lines after the header whose first values must be 0, 1, 2 to be called an index


def _text(data: bytes, encoding: str) -> str:
    return data.decode("cp1251" if encoding == "WIN1251" else "utf-8", errors="replace")


def _counts_from_zero(text: str, delimiter: str) -> bool:
    """Whether the first values of the lines in `text` (those there are, up to INDEX_LINES) are 0, 1, 2, ..."""
    lines = [line for line in text.splitlines() if line.strip()][:INDEX_LINES]
    firsts = [line.split(delimiter, 1)[0].strip() for line in lines]
    return bool(firsts) and firsts == [str(number) for number in range(len(firsts))]


def _without_trailing_empty(names: tuple[str, ...]) -> tuple[str, ...]:
    while names and not names[-1]:
        names = names[:-1]
    return names


class CopySource:
    """A file-like `read()` for psycopg2's copy_expert over the body after the header.

    COPY counts the LFs it is sent, inside quoted values too (each COPY stream first sends a line
    COPY skips as a header, so it knows the line end before the first record: deals/load/streams.py),
    and names the line where the bad record ends. This keeps the physical line
    numbers COPY does not count (dropped blank lines, lines after an uncounted break inside a
    quoted value) and those that begin inside a quoted value, so an
    error is reported at the line where its record starts in the user's editor. Chunks with no
    line break inside quotes (almost all) take a fast path with no per-line work.
    """

    def __init__(self, upload: BinaryIO) -> None:
        self._upload = upload
        self._pending = b""  # bytes read but not yet handed on (up to the last newline)
        self._eof = False
        self._lines_passed = 0  # physical lines fully consumed so far
        self._dropped = array("q")  # physical numbers (1-based) of lines COPY does not count, ascending
        self._continued = array("q")  # physical numbers of lines that begin inside a quoted value, ascending
        self._inside = False  # the bytes handed on so far end inside a quoted value
        self._open_quote_at = 0  # line of the quote that opened the quoted value still open
        self.read_failure: UploadError | None = None  # what stopped a read (COPY only says "canceled")
        self.declared = getattr(upload, "declared", None)  # the charset the upload declared, if any
        self.format = self._read_header()

    def _read_more(self, size: int, *, arrived: list[bytes] | None = None) -> bytes:
        """The next bytes of the upload; `arrived`: what was read since `_pending` (for a break's line)."""
        try:
            data = self._upload.read(size)
        except BrokenAt as broken:
            line = self._lines_passed + line_breaks(b"".join(arrived) if arrived else self._pending) + 1
            self.read_failure = UploadError.at(LineProblem(line, broken.describe(line)))
            raise self.read_failure from None
        except UploadError as error:
            self.read_failure = error
            raise
        if not data:
            self._eof = True
        return data

    def _read_header(self) -> CsvFormat:
        while not self._eof and len(self._pending) < SAMPLE_BYTES:
            self._pending += self._read_more(SAMPLE_BYTES - len(self._pending))
        buffer, self._pending = self._pending, b""
        if not buffer.strip(b" \t\r\n" + BOM):
            raise UploadError(messages.EMPTY_FILE)
        encoding = getattr(self._upload, "encoding", None) or detect_encoding(buffer)
        start = len(BOM) if buffer.startswith(BOM) else 0
        while True:  # skip blank lines before the header
            found = LINE_BREAK.search(buffer, start)
            if found is None or (found.group() == b"\r" and found.end() == len(buffer) and not self._eof):
                if not self._eof:
                    raise UploadError(messages.HEADER_TOO_LONG)
                end = len(buffer)
            else:
                end = found.end()
            line = buffer[start:end]
            self._lines_passed += 1
            if line.strip(b" \t\r\n"):
                break
            self._dropped.append(self._lines_passed)
            start = end
        self._pending = buffer[end:]
        nul = buffer.find(b"\x00")
        try:
            csv_format = parse_header(line, encoding, following=buffer[end : end + 4096])
        except UploadError:
            if nul >= 0:  # an image or a spreadsheet, not a CSV with a broken header
                raise UploadError(messages.NOT_TEXT) from None
            raise
        if nul >= 0:  # COPY would only say "invalid byte sequence"; name the line now
            line_number = line_breaks(buffer[:nul]) + 1
            raise UploadError.at(LineProblem(line_number, messages.at_line(line_number, messages.NUL_BYTE)))
        if csv_format.padding:
            cells = re.escape(csv_format.delimiter.encode()) * csv_format.padding
            self._padding = re.compile(cells + rb"(?=\n)")
        return csv_format

    def read(self, size: int = CHUNK_BYTES) -> bytes:
        while True:
            if not self._eof:
                self._fill(max(size, CHUNK_BYTES))
            cut = len(self._pending) if self._eof else self._last_line_end()
            if cut == 0 and not self._eof:
                if len(self._pending) < MAX_LINE_BYTES:
                    continue  # finish the line before cleaning it
                cut = len(self._pending)  # no CSV line is this long: let COPY report it
            chunk, self._pending = self._pending[:cut], self._pending[cut:]
            chunk = self._clean(chunk)
            if chunk or self._eof:
                return chunk

    def _fill(self, size: int) -> None:
        """Read until `size` bytes are pending, or the end: a raw body hands on what has arrived (often
        64 KiB), and the COPY streams' queues count chunks (deals/load/streams.py), so the chunks handed
        on are made about this size whatever the reads. Joined once: no copy per read."""
        parts, have = [self._pending], len(self._pending)
        try:
            while have < size and not self._eof:
                data = self._read_more(size - have, arrived=parts)
                parts.append(data)
                have += len(data)
        finally:
            self._pending = b"".join(parts)

    def _last_line_end(self) -> int:
        """Where the last complete line ends (0: none yet); a CR at the very end may be half a CRLF."""
        pending = self._pending
        cut = max(pending.rfind(b"\n"), pending.rfind(b"\r", 0, len(pending) - 1)) + 1
        return cut

    def _clean(self, chunk: bytes) -> bytes:
        if self._eof and chunk and chunk[-1:] not in b"\r\n":
            chunk += b"\n"  # the last line ends like the others (and a value left open is closed off)
        starts_inside = self._inside
        if chunk.count(b'"') % 2:
            self._inside = not self._inside
        if not starts_inside and (b'"' not in chunk or not QUOTED_BREAK.match(chunk)):
            return self._clean_outside(chunk, at_line_start=True)
        return self._clean_quoted(chunk, starts_inside)

    def _clean_outside(self, text: bytes, *, at_line_start: bool) -> bytes:
        """Line ends made LF, blank lines and padding dropped: `text` lies wholly outside quotes."""
        if b"\r" in text:
            text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if (at_line_start and BLANK_FIRST_LINE.match(text)) or BLANK_LINE.search(text):
            # A leading "\n" lets BLANK_LINE see a blank first line; one LF is removed again below.
            marked = b"\n" + text if at_line_start else text
            first_line = self._lines_passed + 1 - at_line_start
            for match in BLANK_LINE.finditer(marked):
                self._dropped.append(first_line + marked.count(b"\n", 0, match.start() + 1))
            marked = BLANK_LINE.sub(b"", marked)
            self._lines_passed += text.count(b"\n")
            text = marked[1:] if at_line_start else marked
        else:
            self._lines_passed += text.count(b"\n")
        if self.format.padding:
            text = self._padding.sub(b"", text)
        return text

    def _clean_quoted(self, chunk: bytes, inside: bool) -> bytes:
        """The slow path: a chunk with line breaks inside quoted values, cleaned between the quotes only."""
        parts = chunk.split(b'"')
        if (
            b"\r" not in chunk
            and not self.format.padding
            and not BLANK_LINE.search(chunk)
            and (inside or not BLANK_FIRST_LINE.match(chunk))
        ):  # only LFs and nothing to clean (the usual case): the chunk goes as it is
            self._track_quoted_lines(parts, inside)
            return chunk
        for index, part in enumerate(parts):
            if inside:
                if index:
                    self._open_quote_at = self._lines_passed + 1
                breaks = line_breaks(part)
                first = self._lines_passed + 2  # the line after the first break
                self._continued.extend(range(first, first + breaks))
                if part.count(b"\n") != breaks:  # CRs kept as they are: COPY counts only the LFs
                    for number, found in enumerate(LINE_BREAK.finditer(part), start=first):
                        if b"\n" not in found.group():
                            self._dropped.append(number)
                self._lines_passed += breaks
            else:
                parts[index] = self._clean_outside(part, at_line_start=index == 0)
            inside = not inside
        return b'"'.join(parts)

    def _track_quoted_lines(self, parts: list[bytes], inside: bool) -> None:
        """The loop above's bookkeeping for LF-only parts, in C-level iterators (no Python per value)."""
        counts = list(map(COUNT_LF, parts))
        before = list(accumulate(counts, initial=self._lines_passed))  # lines passed before each part
        first = 0 if inside else 1  # the index of the first part inside quotes
        quoted = list(compress(range(first, len(parts), 2), counts[first::2]))  # those with line breaks
        starts = list(map(add, map(before.__getitem__, quoted), repeat(2)))
        stops = map(add, starts, map(counts.__getitem__, quoted))
        self._continued.extend(chain.from_iterable(map(range, starts, stops)))
        last_inside = len(parts) - 1 - (len(parts) - 1 - first) % 2
        if last_inside > 0:
            self._open_quote_at = before[last_inside] + 1
        self._lines_passed = before[-1]

    @property
    def ends_inside(self) -> bool:
        """Whether what read() has handed on so far ends inside a quoted value (its quotes are counted once, here)."""
        return self._inside

    def unclosed_quote_line(self) -> int:
        """The line where the record holding the quoted value left open starts (0: none was)."""
        return self._record_start(self._open_quote_at) if self._open_quote_at else 0

    def _record_start(self, line: int) -> int:
        """The line where the record holding physical line `line` starts."""
        index = bisect_right(self._continued, line) - 1
        while index >= 0 and self._continued[index] == line:
            line, index = line - 1, index - 1
        return line

    def physical_line(self, copy_line: int) -> int:
        """The line where the record COPY names as its line `copy_line` starts (the header being line 1).

        COPY's lines are the physical lines that are neither dropped nor the header; its line is
        the smallest one with `copy_line` such lines up to and including it.
        """
        low, high = copy_line + 1, copy_line + 1 + len(self._dropped)
        while low < high:
            middle = (low + high) // 2
            if middle - bisect_right(self._dropped, middle) - 1 >= copy_line:
                high = middle
            else:
                low = middle + 1
        return self._record_start(low)
