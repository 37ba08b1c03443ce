"""The top-five report: the selectors behind GET /api/deals/."""

from django.db.models.expressions import RawSQL

from deals.models import TopCustomer
from deals.sql import read_sql


def top_customers() -> list[dict]:
    """The contract's entries, best spender first; the view has done all the work at load time."""
    return [_entry(row) for row in TopCustomer.objects.order_by("rank")]


def top_customers_with_upload() -> tuple[list[dict], int | None]:
    """The report and the id of the recorded upload it reflects, read in one statement.

    One statement is one snapshot: the report and dataset.live_load are published in the same
    transaction, so the id can never belong to a newer or older upload than the rows.
    """
    live_upload = RawSQL(read_sql("live_upload"), ())  # noqa: S611 (our own SQL file, no parameters)
    rows = list(TopCustomer.objects.order_by("rank").annotate(upload_id=live_upload))
    return [_entry(row) for row in rows], (rows[0].upload_id if rows else None)


def _entry(row: TopCustomer) -> dict:
    return {"username": row.username, "spent_money": row.spent_money, "gems": list(row.gems)}
