"""A load COPYs over several streams at once, and every promise of one COPY still holds: exact rows,
records never split, exact line numbers, the first error in the file, all or nothing.

Batches are shrunk to a byte, so every record that ends outside quotes ends a batch and small files
cross stream boundaries everywhere they can.
"""

import gzip
from contextlib import closing

import pytest

from deals import messages
from deals.load import cleanup
from tests.reference import as_csv, random_deals, reference_report
from tests.support import (
    HEADER,
    SAMPLE_ANSWER,
    csv_of,
    post_csv,
    psql_session,
    publishing_blocked,
    query,
    report,
    staging_tables,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tiny_batches(settings):
    settings.DEALS_COPY_STREAMS = 3
    settings.DEALS_COPY_BATCH_BYTES = 1


def error_of(response) -> str:
    assert response.status_code == 400, response.content
    return response.json()["Desc"]


def stream_partitions() -> list[tuple[str, str]]:
    """(sub-partition, its bound) under the live load's partition."""
    return query(
        "SELECT child.relname, pg_get_expr(child.relpartbound, child.oid) FROM pg_inherits"
        " JOIN pg_class child ON child.oid = inhrelid"
        " WHERE inhparent = ('deal_rows_' || (SELECT live_load FROM dataset))::regclass ORDER BY 1"
    )


def test_a_file_spread_over_streams_gives_the_reference_report(client):
    deals = random_deals(12, rows=300)
    assert post_csv(client, as_csv(deals)).status_code == 200
    assert report(client) == reference_report(deals)
    live = "SELECT count(*), count(DISTINCT stream) FROM deal_rows WHERE load_id = (SELECT live_load FROM dataset)"
    assert query(live) == [(300, 3)]


def test_the_sample_over_streams_gives_the_contracts_answer(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    assert report(client) == SAMPLE_ANSWER


def test_the_loads_partition_holds_one_sub_partition_per_stream(client):
    assert post_csv(client, csv_of(*[(f"c{n}", "Ruby", n) for n in range(10)])).status_code == 200
    load = query("SELECT live_load FROM dataset")[0][0]
    assert query("SELECT relkind FROM pg_class WHERE relname = %s", [f"deal_rows_{load}"]) == [("p",)]
    assert stream_partitions() == [(f"deal_rows_{load}_s{k}", f"FOR VALUES IN ('{k}')") for k in range(3)]


def test_one_stream_stores_the_load_in_one_sub_partition(client, settings):
    settings.DEALS_COPY_STREAMS = 1
    assert post_csv(client, csv_of(*[(f"c{n}", "Ruby", n) for n in range(10)])).status_code == 200
    load = query("SELECT live_load FROM dataset")[0][0]
    assert stream_partitions() == [(f"deal_rows_{load}_s0", "FOR VALUES IN ('0')")]


def test_a_small_file_opens_one_stream_only(client, settings):
    settings.DEALS_COPY_BATCH_BYTES = 1 << 20
    assert post_csv(client, csv_of(("alice", "Ruby", 5), ("bob", "Ruby", 6))).status_code == 200
    assert len(stream_partitions()) == 1


def test_quoted_values_with_line_breaks_stay_one_record_at_every_boundary(client):
    items = ['"Ru\nby"', '"Sap\r\nph\nire"', '"a, ""quoted""\n\nline"', "Plain"]
    lines = [f"c{n},{items[n % len(items)]},{n},1,2018-12-14" for n in range(12)]
    assert post_csv(client, (HEADER + "\n" + "\n".join(lines) + "\n").encode()).status_code == 200
    stored = query("SELECT customer, item FROM deals ORDER BY total")
    expected_items = ["Ru\nby", "Sap\r\nph\nire", 'a, "quoted"\n\nline', "Plain"]
    assert stored == [(f"c{n}", expected_items[n % len(expected_items)]) for n in range(12)]


def test_records_stay_whole_where_the_files_chunks_end_inside_quoted_values(client, settings):
    # Eight of every nine line breaks are inside quotes, so the file's 1 MiB chunks (which end at a
    # line break) end inside a quoted value: each batch must still begin where a record does.
    settings.DEALS_COPY_BATCH_BYTES = 1 << 16
    item = "\n".join("abcdefghi")
    rows = 80_000
    body = HEADER + "\n" + "".join(f'c{n},"{item}",1,1,2018-12-14\n' for n in range(rows))
    assert len(body) > 3 * (1 << 20)
    assert post_csv(client, body.encode()).status_code == 200
    assert query("SELECT count(*), count(DISTINCT customer), min(item), max(item) FROM deals") == [
        (rows, rows, item, item)
    ]


@pytest.mark.parametrize("bad", [3, 4, 5, 9, 10, 11])
def test_an_error_in_any_stream_names_its_physical_line(client, bad):
    rows = [f"c{n},Ruby,{n},1,2018-12-14" for n in range(12)]
    rows[bad] = f"c{bad},Ruby,12a,1,2018-12-14"
    # A two-line quoted value (line 3-4), and a blank line before the last three records.
    rows[1] = 'c1,"Ru\nby",1,1,2018-12-14'
    rows.insert(9, "")
    body = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
    line = 2 + bad + (1 if bad > 1 else 0) + (1 if bad >= 9 else 0)
    assert error_of(post_csv(client, body)) == messages.at_value(line, "total", "12a", messages.NOT_WHOLE_NUMBER)


@pytest.mark.parametrize(("bad", "line"), [(4, 8), (5, 9)])
def test_a_quoted_carriage_return_first_in_a_later_stream_keeps_line_numbers_exact(client, bad, line):
    # Records c1 and c2 open streams 1 and 2 with a lone CR inside quotes (a line break in the file,
    # which COPY does not count once it knows the line end; in a COPY's first record it would).
    rows = ["c0,Ruby,1,1,2018-12-14", 'c1,"Ru\rby",1,1,2018-12-14', 'c2,"Sap\rphire",1,1,2018-12-14']
    rows += [f"c{n},Ruby,{'oops' if n == bad else 1},1,2018-12-14" for n in range(3, 6)]
    body = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
    assert error_of(post_csv(client, body)) == messages.at_value(line, "total", "oops", messages.NOT_WHOLE_NUMBER)


@pytest.mark.parametrize("bad_lines", [(3, 4), (4, 3), (2, 7), (7, 2), (6, 9), (2, 3, 4, 5)])
def test_bad_lines_in_different_streams_are_all_reported_in_file_order(client, bad_lines):
    rows = [f"c{n},Ruby,{n},1,2018-12-14" for n in range(10)]
    for line in bad_lines:
        rows[line - 2] = f"c{line},Ruby,{line},0,2018-12-14"  # quantity 0: its own line's error
    answer = post_csv(client, (HEADER + "\n" + "\n".join(rows) + "\n").encode()).json()
    expected = [
        messages.at_value(line, "quantity", "0", "is not a positive whole number") for line in sorted(bad_lines)
    ]
    assert [error["message"] for error in answer["errors"]] == expected
    assert answer["Desc"].startswith(expected[0] + f"; {len(bad_lines)} lines have problems")


def test_a_failed_stream_leaves_no_table_and_changes_nothing(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    tables = staging_tables()
    body = csv_of(*[(f"c{n}", "Ruby", n) for n in range(20)]) + b"late,Ruby,-1,1,2018-12-14\n"
    assert error_of(post_csv(client, body)).startswith("line 22, ")
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == tables


def test_a_read_failure_aborts_every_stream_and_is_reported_as_with_one(client, sample_csv, settings):
    assert post_csv(client, sample_csv).status_code == 200
    tables = staging_tables()
    damaged = gzip.compress(csv_of(*[(f"c{n}", "Ruby", n) for n in range(2000)]))
    damaged = damaged[: len(damaged) // 2] + bytes(64) + damaged[len(damaged) // 2 + 64 :]
    over_streams = error_of(post_csv(client, damaged, name="deals.csv.gz"))
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == tables
    settings.DEALS_COPY_STREAMS = 1
    assert error_of(post_csv(client, damaged, name="deals.csv.gz")) == over_streams


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_dataset")
def test_a_load_failing_after_its_streams_committed_drops_their_tables(client, sample_csv, settings):
    assert post_csv(client, sample_csv).status_code == 200
    tables = staging_tables()
    settings.DEALS_PUBLISH_WAIT_SECONDS = 1  # the bound on the wait: then 409
    with publishing_blocked():
        response = post_csv(client, csv_of(*[(f"c{n}", "Ruby", n) for n in range(10)]))
    assert response.status_code == 409
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == tables


@pytest.mark.django_db(transaction=True)
def test_stream_tables_a_crash_left_are_swept_unless_their_load_still_runs():
    left = {load: [f"deal_rows_{load}_s0", f"deal_rows_{load}_s1"] for load in (900001, 900002)}
    for table in left[900001] + left[900002]:
        query(f"CREATE TABLE {table} (LIKE deal_rows)")
    with closing(psql_session()) as running, running.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('deals-report: load owner'), 900002)")
        dropped = cleanup.loads_sweep().dropped
        assert set(left[900001]) <= set(dropped) and not set(left[900002]) & set(dropped)
        running.rollback()
    assert set(left[900002]) <= set(cleanup.loads_sweep().dropped)
    assert not set(left[900001] + left[900002]) & set(staging_tables())
