from django.apps import AppConfig
from django.db import connections


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "Deals report"

    def ready(self) -> None:
        from django_pgviews.signals import view_synced

        from deals.models import TopCustomer

        view_synced.connect(describe_top_customers, sender=TopCustomer, dispatch_uid="deals.describe_top_customers")
        view_synced.connect(report_by_load, sender=TopCustomer, dispatch_uid="deals.report_by_load")
        view_synced.connect(grant_readers, sender=TopCustomer, dispatch_uid="deals.grant_readers")


def describe_top_customers(sender, using: str, **kwargs) -> None:
    """COMMENT ON the report's materialized view, each time django-pgviews has (re)created or checked it.

    pgviews builds the view on post_migrate, after every migration has run, and rebuilds it (DROP +
    CREATE, which loses comments) when its SQL changes, so a migration cannot own these comments.
    """
    from deals.sql import read_sql

    with connections[using].cursor() as cursor:
        cursor.execute(read_sql("report/top_customers_comments"))


def report_by_load(sender, using: str, **kwargs) -> None:
    """The per-load report (top_five_of_load, top_customers_by_load) from the report's own SQL.

    Here rather than in a migration so that it follows every change of sql/report/top_customers.sql,
    as the materialized view does.
    """
    from deals.report.by_load import report_by_load_sync

    with connections[using].cursor() as cursor:
        report_by_load_sync(cursor)


def grant_readers(sender, using: str, **kwargs) -> None:
    """Read access for the analysts' role (deals/ops/reader_role.py), once every view it names exists."""
    from deals.ops.reader_role import reader_grants

    with connections[using].cursor() as cursor:
        reader_grants(cursor)
