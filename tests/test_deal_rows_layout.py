"""A new load's rows pay nothing for the stream column: it sits in the padding before date.

Rows end 8-byte aligned after date, so a column after it costs a whole 8 bytes a row; right after
quantity it fills the 4 bytes of padding before date (migration 0011, BENCHMARKS.md "Per-row costs").
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


def heap_bytes_of(select: str) -> int:
    """Heap size of a table holding what `select` returns, stored as CREATE TABLE AS stores it."""
    query("DROP TABLE IF EXISTS layout_probe")
    query(f"CREATE TABLE layout_probe AS {select}")
    return query("SELECT pg_relation_size('layout_probe')")[0][0]


def test_deal_rows_and_a_new_loads_stream_table_have_stream_right_before_date(stream_table):
    expected = ["load_id", "customer", "item", "total", "quantity", "stream", "date"]
    assert columns_of("deal_rows") == expected
    assert columns_of(stream_table) == expected


def test_a_new_loads_rows_are_no_wider_than_rows_without_the_stream_column(stream_table):
    with_stream = query(f"SELECT pg_relation_size('{stream_table}')")[0][0]
    without_stream = heap_bytes_of(f"SELECT {COLUMNS_WITHOUT_STREAM} FROM {stream_table}")
    stream_appended = heap_bytes_of(f"SELECT {COLUMNS_WITHOUT_STREAM}, stream FROM {stream_table}")
    assert with_stream <= without_stream < stream_appended  # the last: 0010's layout, which this avoids
    widening = f"pg_column_size(rows.*) - pg_column_size(ROW({COLUMNS_WITHOUT_STREAM}))"
    assert query(f"SELECT max({widening}) FROM {stream_table} AS rows") == [(0,)]
