"""The report from per-shard partial aggregates: the form it takes on Citus, proven on one node.

On Citus (docs/scaling.md, "Past one node") deal_rows would be distributed by customer, and the
report computed as a combine step over what each shard sums by itself. Here the shards are one
load's stream tables (deal_rows_<n>_s<k>, deals/load/streams.py): each stream table gives its
partial sums per stored name and its top five's purchases (sql/report/spending_partial.sql,
purchases_partial.sql), and sql/report/top_customers.sql combines them. A stream holds any
customer's rows, not only its own customers' as a Citus shard would, so this is the harder case:
a name's partial sums come from several shards and are summed, a customer's gems are merged.
tests/test_report_partial_aggregate.py checks that the answer is the materialized view's.
"""

from django.db import connection

from deals.driver import pgsql
from deals.load.partitions import staging_table_name
from deals.report.by_load import combined_report_sql
from deals.sql import read_sql


def load_shards(*, load_id: int) -> list[str]:
    """The tables holding load `load_id`'s rows: its stream tables, or its one table (a load stored
    before the parallel COPY); LookupError when no table of that load is stored."""
    partition = staging_table_name(load_id)
    with connection.cursor() as cursor:
        cursor.execute(read_sql("report/load_shards"), {"partition": partition})
        found = cursor.fetchone()
    if found is None:
        raise LookupError(f"no table of load {load_id} is stored")
    partitioned, streams = found
    return streams if partitioned else [partition]


def report_from_partials(*, load_id: int) -> list[dict]:
    """Load `load_id`'s report (the contract's entries, in rank order), from its shards' partial aggregates."""
    shards = [pgsql.Identifier(table) for table in load_shards(load_id=load_id)]
    with connection.cursor() as cursor:
        cursor.execute(combined_report_sql(shards))
        rows = cursor.fetchall()
    ranked = sorted(rows)  # by rank: the report's SQL, a view's definition, has no ORDER BY
    return [{"username": username, "spent_money": spent, "gems": gems} for _, username, spent, gems in ranked]
