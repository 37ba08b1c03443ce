"""Migration 0011 rebuilds deal_rows with stream before date, and every stored load moves along.

Both ways, with loads published before the migration: the live report, the kept loads and the views
over them, and the analysts' reads keep working, each load keeps its own column order (a partition
may order its columns unlike its parent), and the next upload publishes as before.
"""

import io
from contextlib import closing

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from deals.load.cleanup import loads_sweep
from deals.load.loader import deals_load
from deals.ops.reader_role import READER_ROLE
from deals.sql import read_sql
from tests.support import SAMPLE_ANSWER, columns_of, psql_session, query, report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_dataset")]

ORDER_0010 = ["load_id", "customer", "item", "total", "quantity", "date", "stream"]
ORDER_0011 = ["load_id", "customer", "item", "total", "quantity", "stream", "date"]

ANALYST_READS = [
    "SELECT count(*) FROM deals",
    "SELECT count(*) FROM customer_totals",
    "SELECT count(*) FROM gem_sales",
    "SELECT count(*) FROM top_customers",
    "SELECT count(*) FROM deal_rows",
    "SELECT count(*) FROM kept_loads",
    "SELECT count(*) FROM deals_by_load",
    "SELECT count(*) FROM top_customers_by_load",
    read_sql("analyst/top_five_changes"),
]


@pytest.fixture
def migrate_to(settings):
    """Migrates deals to a given migration; the latest again afterwards, for the tests that follow."""
    settings.DEALS_KEEP_LOADS = 2
    yield lambda target: call_command("migrate", "deals", target, verbosity=0)
    call_command("migrate", "deals", verbosity=0)


def published(content: bytes) -> bool:
    """Load `content` with the loader itself, which needs nothing of the upload history's later columns
    (migration 0012 adds some): the schema under test may be older than the models."""
    return deals_load(file=io.BytesIO(content)).live


def partitions() -> list[tuple[str, bool]]:
    """deal_rows' partitions, each with whether a DETACH ... CONCURRENTLY of it is pending."""
    return query(
        "SELECT inhrelid::regclass::text, inhdetachpending FROM pg_inherits"
        " WHERE inhparent = 'deal_rows'::regclass ORDER BY 1"
    )


def live_table() -> str:
    return query("SELECT 'deal_rows_' || live_load FROM dataset")[0][0]


def reads_as_analyst() -> list[int]:
    """Each analyst query's row count, run as the analysts' role."""
    with closing(psql_session()) as session, session.cursor() as cursor:
        cursor.execute(f'SET ROLE "{READER_ROLE}"')
        counts = []
        for sql in ANALYST_READS:
            cursor.execute(sql)
            counts.append(len(cursor.fetchall()))
        return counts


def assert_two_kept_loads_readable(client) -> None:
    assert report(client) == SAMPLE_ANSWER
    assert [count for (_, count) in query("SELECT load_id, count(*) FROM deals_by_load GROUP BY 1")] == [767, 767]
    assert query("SELECT count(*), count(*) FILTER (WHERE live) FROM kept_loads") == [(2, 1)]
    assert query("SELECT count(DISTINCT load_id) FROM top_customers_by_load") == [(2,)]
    assert len(reads_as_analyst()) == len(ANALYST_READS)


def test_migrating_to_0011_moves_loads_stored_before_it(client, sample_csv, migrate_to):
    migrate_to("0010")
    for _ in range(2):
        assert published(sample_csv)
    migrate_to("0011")
    assert columns_of("deal_rows") == ORDER_0011
    assert columns_of(live_table()) == ORDER_0010
    assert_two_kept_loads_readable(client)
    assert query("SELECT relname FROM pg_class WHERE relname IN ('deal_rows_reordered', 'deal_rows_retired')") == []


def test_after_0011_the_next_upload_publishes_in_the_new_order(client, sample_csv, migrate_to):
    migrate_to("0010")
    assert published(sample_csv)
    migrate_to("0011")
    assert published(sample_csv)
    assert columns_of(live_table()) == ORDER_0011
    assert_two_kept_loads_readable(client)


def test_migrating_back_to_0010_moves_loads_stored_after_0011(client, sample_csv, migrate_to):
    for _ in range(2):
        assert published(sample_csv)
    migrate_to("0010")
    assert columns_of("deal_rows") == ORDER_0010
    assert columns_of(live_table()) == ORDER_0011
    assert_two_kept_loads_readable(client)
    assert published(sample_csv)
    assert report(client) == SAMPLE_ANSWER


def test_the_report_keeps_its_definition_index_description_and_grants_without_a_resync(migrate_to):
    """Without post_migrate (pgviews' sync and the grants after it), as MigrationExecutor runs it."""

    def report_state():
        return query(
            "SELECT definition, obj_description('top_customers'::regclass, 'pg_class'),"
            " (SELECT array_agg(indexdef) FROM pg_indexes WHERE tablename = 'top_customers'),"
            " (SELECT relacl::text FROM pg_class WHERE oid = 'top_customers'::regclass)"
            " FROM pg_matviews WHERE matviewname = 'top_customers'"
        )

    before = report_state()
    MigrationExecutor(connection).migrate([("deals", "0010_stream_column")])
    assert report_state() == before
    assert query("SELECT ispopulated FROM pg_matviews WHERE matviewname = 'top_customers'") == [(True,)]


def test_a_partition_caught_in_an_interrupted_detach_is_left_for_cleanup_to_drop(
    client, sample_csv, migrate_to, settings
):
    settings.DEALS_KEEP_LOADS, settings.DEALS_CLEANUP_LOCK_TIMEOUT_MS = 1, 100
    migrate_to("0010")
    assert published(sample_csv)
    old = live_table()
    with closing(psql_session()) as analyst:
        analyst.cursor().execute("BEGIN; LOCK TABLE ONLY deal_rows IN ACCESS SHARE MODE")  # then idle
        assert published(sample_csv)  # its cleanup's DETACH stops at lock_timeout
        analyst.rollback()
    assert dict(partitions()) == {live_table(): False, old: True}
    migrate_to("0011")
    assert dict(partitions()) == {live_table(): False}
    assert report(client) == SAMPLE_ANSWER
    assert loads_sweep().dropped == [old]
