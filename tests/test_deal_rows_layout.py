"""A new load's rows pay nothing for the stream column: it sits in the padding before date.

Rows end 8-byte aligned after date, so a column after it costs a whole 8 bytes a row; right after
quantity it fills the 4 bytes of padding before date (migration 0011; docs/benchmarks-history.md,
"Per-row costs").
Each stream's table is created LIKE deal_rows, so it takes deal_rows' order.
"""

import pytest

from tests.reference import as_csv, random_deals
from tests.support import columns_of, post_csv, query

pytestmark = pytest.mark.django_db

COLUMNS_WITHOUT_STREAM = "load_id, customer, item, total, quantity, date"


@pytest.fixture
def stream_table(client, settings) -> str:
    """The one stream table of a freshly published load of 5,000 rows."""
    settings.DEALS_COPY_STREAMS = 1
    assert post_csv(client, as_csv(random_deals(7, rows=5000))).status_code == 200
    [(table,)] = query(
        "SELECT inhrelid::regclass::text FROM pg_inherits"
        " WHERE inhparent = ('deal_rows_' || (SELECT live_load FROM dataset))::regclass"
    )
    return table


def pages_holding_rows(table: str) -> int:
    """Heap pages that hold rows. Not pg_relation_size: PostgreSQL 16 and later extend a table by
    several pages at a time during COPY, so its size also counts pages allocated ahead, left empty."""
    return query(f"SELECT count(DISTINCT (ctid::text::point)[0]) FROM {table}")[0][0]


def pages_for(select: str) -> int:
    """Heap pages that the rows `select` returns fill, stored as CREATE TABLE AS stores them."""
    query("DROP TABLE IF EXISTS layout_probe")
    query(f"CREATE TABLE layout_probe AS {select}")
    return pages_holding_rows("layout_probe")


def test_deal_rows_and_a_new_loads_stream_table_have_stream_right_before_date(stream_table):
    expected = ["load_id", "customer", "item", "total", "quantity", "stream", "date"]
    assert columns_of("deal_rows") == expected
    assert columns_of(stream_table) == expected


def test_a_new_loads_rows_are_no_wider_than_rows_without_the_stream_column(stream_table):
    with_stream = pages_holding_rows(stream_table)
    without_stream = pages_for(f"SELECT {COLUMNS_WITHOUT_STREAM} FROM {stream_table}")
    stream_appended = pages_for(f"SELECT {COLUMNS_WITHOUT_STREAM}, stream FROM {stream_table}")
    assert with_stream <= without_stream < stream_appended  # the last: 0010's layout, which this avoids
    widening = f"pg_column_size(rows.*) - pg_column_size(ROW({COLUMNS_WITHOUT_STREAM}))"
    assert query(f"SELECT max({widening}) FROM {stream_table} AS rows") == [(0,)]
