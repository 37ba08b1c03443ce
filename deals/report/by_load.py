"""The report's SQL, over the live deals (the materialized view) or over one kept load (a function).

sql/report/top_customers.sql is the one definition of the top five; its `{rows}` slot names the
stored (untrimmed) rows it ranks: the report fills it with the live load's (sql/report/live_rows.sql),
top_five_of_load with one kept load's (sql/report/deals_of_load.sql). The function and the view
over all kept loads are re-created each time django-pgviews syncs the report (deals/apps.py), so
they follow every change of the file.
"""

from deals.driver import pgsql
from deals.sql import compose_sql, read_sql


def report_sql(rows: str) -> pgsql.Composed:
    """The report over `rows`: a query of customer, item, total as stored (sql/report/ has two)."""
    return compose_sql("report/top_customers", rows=pgsql.SQL("({})").format(pgsql.SQL(rows)))


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
