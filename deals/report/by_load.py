"""The report's SQL, over the live deals (the materialized view) or over one kept load (a function).

sql/report/top_customers.sql is the one definition of the top five, the combine step over partial
aggregates of stored (untrimmed) rows; here the rows are read whole, as one shard: the report's are
the live load's (sql/report/live_rows.sql), top_five_of_load's one kept load's
(sql/report/deals_of_load.sql). deals/report/partials.py fills the same slots shard by shard. The
function and the view over all kept loads are re-created each time django-pgviews syncs the report
(deals/apps.py), so they follow every change of the file.
"""

from deals.driver import pgsql
from deals.sql import compose_sql, read_sql

UNION_ALL = pgsql.SQL(" UNION ALL ")  # the shards' partials, one row set per slot


def report_sql(rows: str) -> pgsql.Composed:
    """The report over `rows`: a query of customer, item, total as stored (sql/report/ has two)."""
    whole = pgsql.SQL("({})").format(pgsql.SQL(rows))
    return combined_report_sql([whole])


def combined_report_sql(shards: list[pgsql.Composable]) -> pgsql.Composed:
    """The report from the partial aggregates of every shard of one load's rows (tables or
    parenthesized queries): each shard's per-name sums and top five's purchases, joined by UNION ALL
    (the row sets of the slots of sql/report/top_customers.sql)."""
    spending = UNION_ALL.join(compose_sql("report/spending_partial", rows=shard) for shard in shards)
    purchases = UNION_ALL.join(compose_sql("report/purchases_partial", rows=shard) for shard in shards)
    return compose_sql("report/top_customers", spending=spending, purchases=purchases)


def live_report_sql() -> str:
    """The materialized view's SQL: the report over the live deals (plain text, for django-pgviews)."""
    return report_sql(read_sql("report/live_rows")).as_string(None)


def report_by_load_sync(cursor) -> bool:
    """(Re)create top_five_of_load and top_customers_by_load from the report's SQL, if 0006 has run."""
    cursor.execute(read_sql("report/by_load_ready"))
    if not cursor.fetchone()[0]:
        return False
    per_load = report_sql(read_sql("report/deals_of_load"))
    cursor.execute(compose_sql("report/top_five_of_load", report=per_load))
    cursor.execute(read_sql("report/top_customers_by_load"))
    return True
