"""The report's SQL, over the live deals (the materialized view) or over one kept load (a function).

sql/report/top_customers.sql is the one definition of the top five; its `{deals}` slot names the
rows it ranks. The report fills it with the view `deals`; top_five_of_load with one load's rows
(sql/report/deals_of_load.sql). The function and the view over all kept loads are re-created each
time django-pgviews syncs the report (deals/apps.py), so they follow every change of the file.
"""

from deals.driver import pgsql
from deals.sql import compose_sql, read_sql


def report_sql(rows: pgsql.SQL) -> pgsql.Composed:
    """The report over `rows` (a relation, or a parenthesized query)."""
    return compose_sql("report/top_customers", deals=rows)


def live_report_sql() -> str:
    """The materialized view's SQL: the report over the live deals (plain text, for django-pgviews)."""
    return report_sql(pgsql.SQL("deals")).as_string(None)


def report_by_load_sync(cursor) -> bool:
    """(Re)create top_five_of_load and top_customers_by_load from the report's SQL, if 0006 has run."""
    cursor.execute(read_sql("report/by_load_ready"))
    if not cursor.fetchone()[0]:
        return False
    per_load = report_sql(pgsql.SQL("({})").format(pgsql.SQL(read_sql("report/deals_of_load"))))
    cursor.execute(compose_sql("report/top_five_of_load", report=per_load))
    cursor.execute(read_sql("report/top_customers_by_load"))
    return True
