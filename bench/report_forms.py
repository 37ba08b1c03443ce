"""The report's two forms side by side: `python bench/report_forms.py FILE [--streams 2] [--runs 3]`.

DATABASE_URL names the database (migrated). Loads FILE once (deals_load in this process, with
DEALS_COPY_STREAMS streams), then times in each round, in alternated order: the materialized view's
own query (its definition in pg_matviews: what REFRESH ... CONCURRENTLY runs, without the diff) and
the report from the load's per-stream partial aggregates (deals/report/partials.py, the form the
report takes on Citus: docs/scaling.md). Checks that both give the same answer, and prints every
run, the medians, and how many partial rows the combine step reads against the load's rows.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from deals.load import loader  # noqa: E402
from deals.report.partials import load_shards, report_from_partials  # noqa: E402


def view_report() -> list[dict]:
    """The materialized view's query, run as a plain SELECT."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT definition FROM pg_matviews WHERE matviewname = 'top_customers'")
        cursor.execute(cursor.fetchone()[0])
        rows = sorted(cursor.fetchall())
    return [{"username": username, "spent_money": spent, "gems": gems} for _, username, spent, gems in rows]


def partial_rows(shards: list[str]) -> int:
    """Rows the combine step reads from the first pass: one per stored name per shard."""
    with connection.cursor() as cursor:
        total = 0
        for shard in shards:
            cursor.execute(f'SELECT count(DISTINCT customer) FROM "{shard}"')
            total += cursor.fetchone()[0]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--streams", type=int, default=2, help="DEALS_COPY_STREAMS for the load")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings.DEALS_COPY_STREAMS = args.streams
    started = time.perf_counter()
    with args.file.open("rb") as file:
        load = loader.deals_load(file=file)
    print(f"loaded {load.rows:,} rows as load {load.load_id} in {time.perf_counter() - started:.1f} s", flush=True)
    forms = {"view's query": view_report, "from partials": lambda: report_from_partials(load_id=load.load_id)}
    seconds: dict[str, list[float]] = {name: [] for name in forms}
    answers = {}
    for run in range(args.runs):
        order = list(forms) if run % 2 == 0 else list(reversed(forms))
        for name in order:
            began = time.perf_counter()
            answers[name] = forms[name]()
            seconds[name].append(time.perf_counter() - began)
            print(f"run {run + 1} {name}: {seconds[name][-1]:.2f} s", flush=True)
    assert answers["view's query"] == answers["from partials"], answers
    shards = load_shards(load_id=load.load_id)
    print("\n| form | median s | runs s |\n|---|---:|---|")
    for name, runs in seconds.items():
        print(f"| {name} | {statistics.median(runs):.2f} | {', '.join(f'{s:.2f}' for s in runs)} |")
    print(
        f"\n{len(shards)} shards; the combine step reads {partial_rows(shards):,} partial sums for {load.rows:,} rows."
    )


if __name__ == "__main__":
    main()
