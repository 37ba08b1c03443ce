"""The report's query runs in parallel: both passes over a load's rows run in parallel workers.

The planner picks a parallel plan only when it expects it to pay, which depends on the data's size;
these tests make parallelism free (SET LOCAL ... = 0) so the plan shows whether the query *can*
run in parallel. Something parallel-unsafe in it (a function not PARALLEL SAFE, a join with a CTE
in a pass over the rows) keeps that pass in one process whatever the costs, and fails here.
Free parallelism alone still lets the planner sum a few hundred rows in the leader, so the tests
load the sample 100 times over (77,000 rows, analyzed); from 20 copies on, the plan is the one
seen over 10M rows. The plan read is the installed materialized view's own definition
(pg_matviews), which is what REFRESH MATERIALIZED VIEW CONCURRENTLY runs in the loader's
transaction (that it wrote does not stop PostgreSQL from using workers: docs/benchmarks-history.md,
"The refresh in parallel"). The same answer over several streams is tests/test_parallel_copy.py's.
"""

import json

import pytest

from tests.support import post_csv, query

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


def under_gather(above: tuple) -> bool:
    return any(node_type in ("Gather", "Gather Merge") for node_type in above)


def picks_the_top_five(node: dict) -> bool:
    """The gems pass: it reads only the top five's rows (`customer = ANY (...)`); the other sums per customer."""
    filters = [node.get("Filter") or ""] + [child.get("Filter") or "" for child in node.get("Plans", [])]
    return any("ANY" in text for text in filters)


def assert_both_passes_parallel(passes: list[tuple[dict, tuple]]) -> None:
    """The spending pass is summed by the workers (only ~10k groups cross the Gather); the gems pass
    reads and filters in the workers (only the top five's rows cross). Whether its DISTINCT then runs
    in the workers too is a costing choice that differs between versions (15: yes, 18: no)."""
    spending = [(node, above) for node, above in passes if not picks_the_top_five(node)]
    gems = [(node, above) for node, above in passes if picks_the_top_five(node)]
    assert len(spending) == len(gems) == 1
    [(node, above)] = spending
    assert node["Parallel Aware"] and aggregated_by_workers(above)
    [(node, above)] = gems
    assert node["Parallel Aware"] and under_gather(above)


def row_scans(plan: dict) -> list[tuple[dict, tuple]]:
    """The scans of a load's rows: its streams' tables deal_rows_<n>_s<k> (or an older load's deal_rows_<n>)."""
    return [
        (node, above)
        for node, above in nodes(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name", "").startswith("deal_rows_")
    ]


def load_sample_copies(client, sample_csv, copies: int = 100) -> int:
    """Upload the sample, repeat its rows `copies` times in its load, analyze them; the load's number."""
    post_csv(client, sample_csv)
    load = live_load()
    query(f"INSERT INTO deal_rows SELECT copied.* FROM deal_rows_{load} AS copied, generate_series(2, {copies})")
    query(f"ANALYZE deal_rows_{load}")
    return load


def live_load() -> int:
    return query("SELECT live_load FROM dataset")[0][0]


def test_both_passes_over_the_rows_run_in_parallel_workers(client, sample_csv, settings):
    settings.DEALS_COPY_STREAMS = 1
    load_sample_copies(client, sample_csv)
    assert_both_passes_parallel(row_scans(report_plan()))  # spending per customer, then the top five's gems


def test_over_a_load_copied_by_two_streams_each_pass_is_a_parallel_append_of_the_streams(client, sample_csv, settings):
    settings.DEALS_COPY_STREAMS = 2
    settings.DEALS_COPY_BATCH_BYTES = 1  # every record ends a batch: both streams get rows
    load = load_sample_copies(client, sample_csv)
    plan = report_plan()
    assert_both_passes_parallel([(node, above) for node, above in nodes(plan) if node["Node Type"] == "Append"])
    scanned = {node["Relation Name"] for node, _ in row_scans(plan)}
    assert scanned == {f"deal_rows_{load}_s0", f"deal_rows_{load}_s1"}
