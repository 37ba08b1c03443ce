"""The report's query runs in parallel: both passes over a load's rows are summed by parallel workers.

The planner picks a parallel plan only when it expects it to pay, which depends on the data's size;
these tests make parallelism free (SET LOCAL ... = 0) so the plan shows whether the query *can*
run in parallel. Something parallel-unsafe in it (a function not PARALLEL SAFE, a join with a CTE
in a pass over the rows) keeps that pass in one process whatever the costs, and fails here.
Free parallelism alone still lets the planner sum a few hundred rows in the leader, so the plan
tests load the sample 100 times over (77,000 rows, analyzed); from 20 copies on, the plan is the
same as over 10M rows. The plan read is the installed materialized view's own definition (pg_matviews), which is what
REFRESH MATERIALIZED VIEW CONCURRENTLY runs, in the loader's transaction (it wrote; that does not
stop PostgreSQL 15 from using workers: BENCHMARKS.md "Per-row costs").
"""

import json

import pytest

from deals.models import TopCustomer
from tests.support import SAMPLE_ANSWER, post_csv, query, report

pytestmark = pytest.mark.django_db

FREE_PARALLELISM = ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size")


def report_plan() -> dict:
    """EXPLAIN of the installed report's query, with parallelism made free for this transaction."""
    for setting in FREE_PARALLELISM:
        query(f"SET LOCAL {setting} = 0")
    (definition,) = query("SELECT definition FROM pg_matviews WHERE matviewname = 'top_customers'")[0]
    (plan,) = query(f"EXPLAIN (FORMAT JSON) {definition}")[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict, above: tuple = ()):
    """Every node of the plan, with the node types above it (the root's first)."""
    yield plan, above
    for child in plan.get("Plans", []):
        yield from nodes(child, (*above, plan["Node Type"]))


def aggregated_by_workers(above: tuple) -> bool:
    """A Gather above, and an Aggregate between it and the node: workers sum, only groups cross."""
    gathers = [at for at, node_type in enumerate(above) if node_type in ("Gather", "Gather Merge")]
    return bool(gathers) and "Aggregate" in above[gathers[-1] :]


def row_scans(plan: dict) -> list[tuple[dict, tuple]]:
    """The scans of a load's rows (deal_rows_<n>, or its streams' tables deal_rows_<n>_s<k>)."""
    return [
        (node, above)
        for node, above in nodes(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name", "").startswith("deal_rows_")
    ]


def split_into_streams(load_id: int, streams: int = 2) -> None:
    """Rebuild a load's table as the parallel COPY publishes it: LIST (stream) over one table per stream.

    The rows are dealt out round-robin, so every stream holds part of every customer's deals.
    """
    name = f"deal_rows_{load_id}"
    query("ALTER TABLE deal_rows ADD COLUMN IF NOT EXISTS stream smallint NOT NULL DEFAULT 0")
    query(f"ALTER TABLE deal_rows DETACH PARTITION {name}")
    query(f"ALTER TABLE {name} RENAME TO {name}_single")
    query(f"CREATE TABLE {name} (LIKE deal_rows INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (stream)")
    for stream in range(streams):
        query(f"CREATE TABLE {name}_s{stream} PARTITION OF {name} FOR VALUES IN ({stream})")
    query(
        f"INSERT INTO {name} (load_id, customer, item, total, quantity, date, stream)"
        f" SELECT load_id, customer, item, total, quantity, date, mod(row_number() OVER (), {streams})::smallint"
        f" FROM {name}_single"
    )
    query(f"DROP TABLE {name}_single")
    query(f"ALTER TABLE deal_rows ATTACH PARTITION {name} FOR VALUES IN ({load_id})")
    query(f"ANALYZE {name}")


def load_sample_copies(client, sample_csv, copies: int = 100) -> int:
    """Upload the sample, repeat its rows `copies` times in its load, analyze them; the load's number."""
    post_csv(client, sample_csv)
    load = live_load()
    query(f"INSERT INTO deal_rows SELECT copied.* FROM deal_rows_{load} AS copied, generate_series(2, {copies})")
    query(f"ANALYZE deal_rows_{load}")
    return load


def live_load() -> int:
    return query("SELECT live_load FROM dataset")[0][0]


def stored_report() -> list[dict]:
    rows = query("SELECT username, spent_money, gems FROM top_customers ORDER BY rank")
    return [{"username": name, "spent_money": spent, "gems": gems} for name, spent, gems in rows]


def test_both_passes_over_the_rows_are_parallel_scans_aggregated_by_the_workers(client, sample_csv):
    load_sample_copies(client, sample_csv)
    scans = row_scans(report_plan())
    assert len(scans) == 2  # spending per customer, then the top five's gems
    assert all(node["Parallel Aware"] and aggregated_by_workers(above) for node, above in scans)


def test_over_a_load_split_into_streams_each_pass_is_a_parallel_append_of_the_streams(client, sample_csv):
    load = load_sample_copies(client, sample_csv)
    split_into_streams(load)
    plan = report_plan()
    appends = [(node, above) for node, above in nodes(plan) if node["Node Type"] == "Append"]
    assert len(appends) == 2
    assert all(node["Parallel Aware"] and aggregated_by_workers(above) for node, above in appends)
    scanned = {node["Relation Name"] for node, _ in row_scans(plan)}
    assert scanned == {f"deal_rows_{load}_s0", f"deal_rows_{load}_s1"}


def test_a_load_split_into_streams_gives_the_same_report(client, sample_csv):
    post_csv(client, sample_csv)
    assert stored_report() == report(client) == SAMPLE_ANSWER
    split_into_streams(live_load())
    TopCustomer.refresh(concurrently=True)
    assert stored_report() == SAMPLE_ANSWER
