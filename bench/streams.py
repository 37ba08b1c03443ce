"""Parallel COPY streams against `psql \\copy`: `python bench/streams.py FILE [--streams 1,2,3] [--runs 3]`.

DATABASE_URL names the database (migrated). Runs, alternated in each round: `psql \\copy` of FILE
into a plain table with deal_rows' columns (no CHECKs, no partitions: what COPY alone costs), then
deals_load (in this process, no HTTP: the loader's own cost) with each DEALS_COPY_STREAMS. Prints
every run and the medians, with the loader's COPY (the streams, commit included), attach and
refresh phases; then ATTACH's share and the row size of the last load (pg_relation_size per 1M rows).
"""

import argparse
import os
import statistics
import subprocess
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
from deals.models import TopCustomer  # noqa: E402

RAW_TABLE = "raw_deals"
RAW_DDL = (  # deal_rows' columns without its CHECKs and partitions, as bench/ingest.py's
    f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} "
    "(customer text, item text, total bigint, quantity integer, date timestamptz)"
)


def psql(sql: str) -> None:
    subprocess.run(["psql", "-X", "-q", os.environ["DATABASE_URL"], "-c", sql], check=True)


def run_copy(path: Path) -> dict:
    psql(f"TRUNCATE {RAW_TABLE}")
    started = time.perf_counter()
    psql(f"\\copy {RAW_TABLE} FROM '{path}' WITH (FORMAT csv, HEADER true)")
    return {"seconds": time.perf_counter() - started}


def timed(name: str, function, timings: dict):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def run_load(path: Path, streams: int) -> dict:
    settings.DEALS_COPY_STREAMS = streams
    timings: dict[str, float] = {}
    copy, attach, refresh = loader.copy, loader.attach, TopCustomer.refresh
    loader.copy = timed("copy", copy, timings)
    loader.attach = timed("attach", attach, timings)
    TopCustomer.refresh = timed("refresh", refresh, timings)
    try:
        started = time.perf_counter()
        with open(path, "rb") as file:
            result = loader.deals_load(file=file)
        timings["seconds"] = time.perf_counter() - started
    finally:
        loader.copy, loader.attach, TopCustomer.refresh = copy, attach, refresh
    timings["rows"] = result.rows
    timings["load_id"] = result.load_id
    return timings


def row_size(load_id: int) -> None:
    """Bytes per 1M rows of the load's tables, and of the same rows without the stream column."""
    with connection.cursor() as cursor:
        partition = f"deal_rows_{load_id}"
        cursor.execute(
            "SELECT sum(pg_relation_size(relid)), (SELECT count(*) FROM deal_rows WHERE load_id = %s)"
            " FROM pg_partition_tree(%s)",
            [load_id, partition],
        )
        size, rows = cursor.fetchone()
        size = int(size)
        cursor.execute("DROP TABLE IF EXISTS bench_no_stream")
        cursor.execute(
            f"CREATE TABLE bench_no_stream AS SELECT load_id, customer, item, total, quantity, date FROM {partition}"
        )
        cursor.execute("SELECT pg_relation_size('bench_no_stream')")
        without = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_no_stream")
    per_million = 1e6 / rows / 2**20
    print(f"rows {rows:,}: MiB per 1M rows with stream {size * per_million:.1f}, without {without * per_million:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--streams", default="1,2,3")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    psql(RAW_DDL)
    counts = [int(n) for n in args.streams.split(",")]
    results: dict[str, list[dict]] = {}
    last = None
    for run in range(args.runs):
        for method in ["\\copy", *counts]:
            result = run_copy(args.file) if method == "\\copy" else run_load(args.file, method)
            name = str(method) if method == "\\copy" else f"{method} stream{'s' if method > 1 else ''}"
            results.setdefault(name, []).append(result)
            last = result.get("load_id", last)
            phases = ", ".join(f"{k} {v:.2f}" for k, v in result.items() if k in ("copy", "attach", "refresh"))
            print(f"run {run + 1} {name:10} {result['seconds']:7.2f} s  {phases}", flush=True)
    copy = statistics.median(r["seconds"] for r in results["\\copy"])
    print("\nmedians:")
    for name, runs in results.items():
        median = statistics.median(r["seconds"] for r in runs)
        phases = ", ".join(
            f"{k} {statistics.median(r[k] for r in runs):.2f}" for k in ("copy", "attach", "refresh") if k in runs[0]
        )
        print(f"  {name:10} {median:7.2f} s  {median / copy:.2f}x \\copy  {phases}")
    psql(f"DROP TABLE {RAW_TABLE}")
    if last is not None:
        row_size(last)


if __name__ == "__main__":
    main()
