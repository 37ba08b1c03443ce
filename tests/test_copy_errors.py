"""PostgreSQL's own COPY errors, from a real COPY of a small file, become the sentence a person needs."""

import io

import pytest
from django.db import DatabaseError, connection, transaction

from deals import driver, messages
from deals.driver import pgsql
from deals.load.copy_errors import copy_line, copy_problem, is_record_problem
from deals.load.streams import HEADER_LINE, copy_statement
from deals.source.csv_format import CopySource
from deals.sql import compose_sql

pytestmark = pytest.mark.django_db

HEADER = b"customer,item,total,quantity,date\n"
GOOD = b"alice,Ruby,10,1,2018-12-14 08:29:52\n"
CYRILLIC = "bob,Рубин,10,1,2018-12-14 08:29:52\n".encode()


class StreamBody:
    """What one COPY stream sends: its header line (skipped by COPY), then the cleaned body."""

    def __init__(self, source: CopySource) -> None:
        self._source = source
        self._header = HEADER_LINE

    def read(self, size: int) -> bytes:
        header, self._header = self._header, b""
        return header or self._source.read(size)


def copy_error(content: bytes) -> tuple[BaseException, CopySource]:
    """COPY `content` into a fresh stream table, as a load's stream does; PostgreSQL's error and the source."""
    source = CopySource(io.BytesIO(content))
    table = pgsql.Identifier("copy_errors_probe")
    statement = copy_statement(source, table)
    with pytest.raises((DatabaseError, driver.Error)) as failed, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            compose_sql("load/stream_create", table=table, load_id=pgsql.Literal(0), stream=pgsql.Literal(0))
        )
        driver.copy_in(cursor.cursor, statement, StreamBody(source), chunk_bytes=1 << 16)
    return driver.pg_error(failed.value), source


@pytest.mark.parametrize(
    ("rows", "desc"),
    [
        (b"alice,Ruby,12a,1,2018-12-14\n", messages.at_value(2, "total", "12a", messages.NOT_WHOLE_NUMBER)),
        (
            b"alice,Ruby,99999999999999999999,1,2018-12-14\n",
            messages.at_value(2, "total", "99999999999999999999", messages.TOO_LARGE),
        ),
        (
            b"alice,Ruby,10,1,2018-02-30 10:00:00\n",
            messages.at_value(2, "date", "2018-02-30 10:00:00", messages.IMPOSSIBLE_DATE),
        ),
        (b"alice,Ruby,10,1,someday\n", messages.at_value(2, "date", "someday", messages.NOT_DATE_TIME)),
        (b"alice,Ruby,10,1,infinity\n", messages.at_value(2, "date", "infinity", messages.NOT_DATE_TIME)),
        (b"alice,Ruby,10,0,2018-12-14\n", messages.at_value(2, "quantity", "0", "is not a positive whole number")),
        (b"alice,Ruby,-5,1,2018-12-14\n", messages.at_value(2, "total", "-5", "is negative; totals must be 0 or more")),
        (b"alice, ,10,1,2018-12-14\n", messages.at_value(2, "item", " ", messages.EMPTY_VALUE)),
        (b"alice,,10,1,2018-12-14\n", messages.at_value(2, "item", None, messages.EMPTY_VALUE)),
        (b"alice,Ruby,10\n", messages.at_line(2, messages.TOO_FEW_VALUES)),
        (b"alice,Ruby,10,1,2018-12-14,extra\n", messages.at_line(2, messages.TOO_MANY_VALUES)),
        (GOOD + b'alice,"Ruby,10,1,2018-12-14\n' + GOOD, messages.at_line(3, messages.UNCLOSED_QUOTE)),
        (
            GOOD + b"\n\n" + b"alice,Ruby,12a,1,2018-12-14\n",
            messages.at_value(5, "total", "12a", messages.NOT_WHOLE_NUMBER),
        ),
        (CYRILLIC * 3 + b"alice,Ruby\xff,10,1,2018-12-14\n", messages.bad_encoding(5, "UTF8", "bytes 0xff")),
    ],
)
def test_a_copy_error_names_the_physical_line_the_column_and_the_value(rows, desc):
    error, source = copy_error(HEADER + rows)
    body_line = copy_line(error) - 1  # the stream's header line is its COPY's line 1
    assert copy_problem(error, source, body_line=body_line).message == desc


@pytest.mark.parametrize(
    ("rows", "record_only"),
    [
        (b"alice,Ruby,12a,1,2018-12-14\n", True),
        (b"alice,Ruby,10,0,2018-12-14\n", True),
        (b"alice,,10,1,2018-12-14\n", True),
        (b"alice,Ruby,10\n", True),
        (b"alice,Ruby,10,1,2018-12-14,extra\n", True),
        (GOOD + b'alice,"Ruby,10,1,2018-12-14\n' + GOOD, False),
        (CYRILLIC * 3 + b"alice,Ruby\xff,10,1,2018-12-14\n", False),
    ],
)
def test_checking_goes_on_after_a_bad_record_but_not_after_an_unreadable_one(rows, record_only):
    error, _ = copy_error(HEADER + rows)
    assert is_record_problem(error) is record_only
