"""How a deals.csv is read before COPY: its encoding, its header, and the line numbers a person sees."""

import io

import pytest

from deals.errors import UploadError
from deals.source.columns import COLUMNS
from deals.source.csv_format import BOM, CHUNK_BYTES, CopySource, CsvFormat, detect_encoding, parse_header

CYRILLIC = "Рубин Сапфир Изумруд"


@pytest.mark.parametrize(
    ("sample", "encoding"),
    [
        (b"customer,item\n", "UTF8"),
        (BOM + b"customer,item\n", "UTF8"),
        (BOM + CYRILLIC.encode("cp1251"), "UTF8"),  # a BOM decides, whatever follows
        (CYRILLIC.encode("utf-8"), "UTF8"),
        (CYRILLIC.encode("cp1251"), "WIN1251"),
        (CYRILLIC.encode("utf-8")[:-1], "UTF8"),  # the sample cut the last character in two
        (CYRILLIC.encode("utf-8") + b"\xff", "UTF8"),  # a stray bad byte among many good ones
        (b"abc \xff\xfe def", "WIN1251"),
        (b"", "UTF8"),
    ],
)
def test_the_encoding_is_detected_from_the_first_bytes(sample, encoding):
    assert detect_encoding(sample) == encoding


@pytest.mark.parametrize(
    ("line", "encoding", "expected"),
    [
        (b"customer,item,total,quantity,date\n", "UTF8", CsvFormat("UTF8", ",", COLUMNS)),
        (b"customer;item;total;quantity;date\r\n", "UTF8", CsvFormat("UTF8", ";", COLUMNS)),
        (
            b" Date , TOTAL,customer,item,quantity\n",
            "WIN1251",
            CsvFormat("WIN1251", ",", ("date", "total", "customer", "item", "quantity")),
        ),
        (BOM + b"customer,item,total,quantity,date", "UTF8", CsvFormat("UTF8", ",", COLUMNS)),
    ],
)
def test_the_header_gives_the_delimiter_and_the_column_order(line, encoding, expected):
    assert parse_header(line, encoding) == expected


EXPECTED_HEADER = "line 1: the header must name the columns customer, item, total, quantity, date (in any order)"


@pytest.mark.parametrize(
    ("line", "desc"),
    [
        (
            b"customer,item,price,quantity,date\n",
            EXPECTED_HEADER
            + '; missing: total; unexpected: "price" (rename it to total if that is what it holds, or delete it)',
        ),
        (b"customer;item;total;quantity\n", EXPECTED_HEADER + "; missing: date"),
        (b"customer,item,total,quantity,date,date\n", EXPECTED_HEADER + "; repeated: date"),
    ],
)
def test_a_header_without_the_five_columns_is_refused_naming_what_is_wrong(line, desc):
    with pytest.raises(UploadError) as refused:
        parse_header(line, "UTF8")
    assert refused.value.desc == desc


def read_all(source: CopySource) -> bytes:
    data = b""
    while chunk := source.read():
        data += chunk
    return data


@pytest.mark.parametrize(
    ("content", "body", "lines"),
    [
        # (file, what COPY gets, {COPY's data line: the file's physical line})
        (b"customer,item,total,quantity,date\na\nb\n", b"a\nb\n", {1: 2, 2: 3}),
        (b"\n\ncustomer,item,total,quantity,date\na\n", b"a\n", {1: 4}),
        (b"customer,item,total,quantity,date\r\na\r\n\r\n \t\nb\r\n", b"a\nb\n", {1: 2, 2: 5}),
        (b"customer,item,total,quantity,date\n\na\n\n\nb\n\n", b"a\nb\n", {1: 3, 2: 6}),
        # A last line without its line end gets one, so COPY always sees whole records.
        (b"customer,item,total,quantity,date\na\nb", b"a\nb\n", {1: 2, 2: 3}),
    ],
)
def test_blank_lines_are_dropped_and_copy_lines_map_back_to_physical_lines(content, body, lines):
    source = CopySource(io.BytesIO(content))
    assert read_all(source) == body
    assert {copy_line: source.physical_line(copy_line) for copy_line in lines} == lines


class Trickle(io.BytesIO):
    """A raw request body: each read returns what has arrived, here at most 1000 bytes."""

    def read(self, size: int = -1) -> bytes:
        return super().read(min(size if size >= 0 else 1000, 1000))


def test_small_reads_are_handed_on_as_chunks_of_a_mebibyte():
    body = b"customer,item,total,quantity,date\n" + b"ann,Opal,1,1,2018-12-14 08:29:52\n" * 100_000
    source = CopySource(Trickle(body))
    chunks = list(iter(lambda: source.read(CHUNK_BYTES), b""))
    assert b"".join(chunks) == body[len(b"customer,item,total,quantity,date\n") :]
    assert all(len(chunk) >= CHUNK_BYTES - 100 for chunk in chunks[:-1]) and len(chunks) == 4
