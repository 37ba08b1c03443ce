"""The tables and views an analyst opens in psql: right figures, and a description on everything."""

import csv
from collections import defaultdict
from datetime import datetime

import pytest
from django.core.management import call_command

from tests.support import DATA, post_csv, query

pytestmark = pytest.mark.django_db

# Everything the project creates for people to query (Django's own tables are not ours to describe).
OUR_RELATIONS = [
    "dataset",
    "deal_rows",
    "deals",
    "uploads",
    "customer_totals",
    "gem_sales",
    "top_customers",
    "published_loads",
    "deals_by_load",
    "kept_loads",
    "top_customers_by_load",
]


def sample_deals() -> list[dict]:
    with open(DATA / "deals.csv", encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_customer_totals_sums_each_customers_deals(client, sample_csv):
    post_csv(client, sample_csv)
    expected = defaultdict(lambda: {"spent": 0, "deals": 0, "gems": set(), "pieces": 0, "dates": []})
    for deal in sample_deals():
        row = expected[deal["customer"]]
        row["spent"] += int(deal["total"])
        row["deals"] += 1
        row["gems"].add(deal["item"])
        row["pieces"] += int(deal["quantity"])
        row["dates"].append(datetime.fromisoformat(deal["date"] + "+00:00"))
    rows = query("SELECT customer, spent_money, deals, gems, pieces, first_deal_at, last_deal_at FROM customer_totals")
    assert {r[0]: r[1:] for r in rows} == {
        name: (e["spent"], e["deals"], len(e["gems"]), e["pieces"], min(e["dates"]), max(e["dates"]))
        for name, e in expected.items()
    }


def test_gem_sales_sums_each_gems_deals(client, sample_csv):
    post_csv(client, sample_csv)
    expected = defaultdict(lambda: {"buyers": set(), "deals": 0, "quantity": 0, "revenue": 0})
    for deal in sample_deals():
        row = expected[deal["item"]]
        row["buyers"].add(deal["customer"])
        row["deals"] += 1
        row["quantity"] += int(deal["quantity"])
        row["revenue"] += int(deal["total"])
    rows = query("SELECT gem, buyers, deals, quantity, revenue FROM gem_sales")
    assert {r[0]: r[1:] for r in rows} == {
        gem: (len(e["buyers"]), e["deals"], e["quantity"], e["revenue"]) for gem, e in expected.items()
    }


def test_the_views_agree_with_the_report(client, sample_csv):
    post_csv(client, sample_csv)
    top_from_totals = query("SELECT customer, spent_money FROM customer_totals ORDER BY spent_money DESC LIMIT 5")
    assert top_from_totals == query("SELECT username, spent_money FROM top_customers ORDER BY rank")


def undescribed() -> list[str]:
    """Our tables, views and columns that have no COMMENT."""
    relations = query(
        "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND obj_description(oid, 'pg_class') IS NULL",
        [OUR_RELATIONS],
    )
    columns = query(
        """
        SELECT c.relname || '.' || a.attname
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
         WHERE c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
           AND col_description(c.oid, a.attnum) IS NULL
        """,
        [OUR_RELATIONS],
    )
    return sorted(name for (name,) in relations + columns)


def test_every_table_view_and_column_is_described():
    found = {name for (name,) in query("SELECT relname FROM pg_class WHERE relname = ANY(%s)", [OUR_RELATIONS])}
    assert found == set(OUR_RELATIONS)
    assert undescribed() == []
    assert query("SELECT obj_description('top_customers'::regclass, 'pg_class')")[0][0].startswith("The report")


def test_the_reports_description_survives_pgviews_rebuilding_it():
    query("DROP MATERIALIZED VIEW top_customers")
    call_command("sync_pgviews", verbosity=0)  # what migrate does after the last migration
    assert query("SELECT count(*) FROM pg_matviews WHERE matviewname = 'top_customers'") == [(1,)]
    assert undescribed() == []
