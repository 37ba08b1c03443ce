"""DEALS_KEEP_LOADS keeps the last N published loads to compare; the cleanup keeps exactly N, the
live one always; analysts read every kept load and its top five, by the report's own SQL."""

import pytest

from deals.sql import PROJECT_DIR, read_sql
from tests.support import csv_of, post_csv, query, report, staging_tables

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]

UPLOADS = [
    csv_of(("a", "Ruby", 10), ("b", "Ruby", 9), ("c", "Opal", 8), ("d", "Opal", 7), ("e", "Jade", 6), ("f", "Jade", 5)),
    csv_of(("a", "Ruby", 10), ("b", "Ruby", 9), ("c", "Opal", 8), ("d", "Opal", 7), ("f", "Jade", 20)),
    csv_of(("a", "Ruby", 10), ("b", "Ruby", 9), ("c", "Opal", 8), ("d", "Opal", 7), ("e", "Jade", 6)),
    csv_of(("a", "Ruby", 10), ("b", "Ruby", 9), ("c", "Opal", 8), ("g", "Jade", 30), ("h", "Jade", 1)),
]


@pytest.fixture
def four_uploads(client, settings) -> list[tuple[int, list[dict]]]:
    """(load id, report right after it) of each of four uploads, with DEALS_KEEP_LOADS = 3."""
    settings.DEALS_KEEP_LOADS = 3
    loads = []
    for content in UPLOADS:
        answer = post_csv(client, content)
        assert answer.status_code == 200
        loads.append((answer.json()["dataset"], report(client)))
    return loads


def test_the_last_three_loads_are_kept_and_the_live_one_is_the_last(four_uploads):
    kept = [load_id for load_id, _ in four_uploads[1:]]
    assert query("SELECT load_id, live FROM kept_loads ORDER BY publication") == [
        (kept[0], False),
        (kept[1], False),
        (kept[2], True),
    ]
    assert staging_tables() == sorted(f"deal_rows_{load_id}" for load_id in kept)


def test_deals_by_load_holds_each_kept_loads_deals_with_when_it_was_published(four_uploads):
    counts = query(
        "SELECT load_id, count(*), min(published_at) = max(published_at) FROM deals_by_load GROUP BY load_id ORDER BY 1"
    )
    assert counts == [(load_id, 5, True) for load_id, _ in four_uploads[1:]]
    assert query("SELECT count(*) FROM deals_by_load d JOIN published_loads p USING (load_id, published_at)") == [(15,)]


def test_each_kept_loads_top_five_is_the_report_it_had_when_it_was_live(four_uploads):
    for load_id, answered in four_uploads[1:]:
        rows = query(
            f"SELECT username, spent_money, gems FROM top_customers_by_load WHERE load_id = {load_id} ORDER BY rank"
        )
        assert [{"username": u, "spent_money": s, "gems": g} for u, s, g in rows] == answered
    assert query("SELECT rank, username FROM top_customers_by_load WHERE live ORDER BY rank") == query(
        "SELECT rank, username FROM top_customers ORDER BY rank"
    )


def test_the_psql_pages_query_says_who_entered_or_left_the_top_five_since_the_previous_upload(four_uploads):
    assert query(read_sql("analyst/top_five_changes")) == [
        ("g", "entered", None, 1),
        ("h", "entered", None, 5),
        ("d", "left", 4, None),
        ("e", "left", 5, None),
    ]
    body = "\n".join(line for line in read_sql("analyst/top_five_changes").splitlines() if not line.startswith("--"))
    assert body in (PROJECT_DIR / "docs" / "psql.md").read_text(encoding="utf-8")
