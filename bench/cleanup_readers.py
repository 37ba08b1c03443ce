"""What cleanup costs readers: `python bench/cleanup_readers.py` (DATABASE_URL names a scratch database).

A session idle in a transaction that has read `deals` holds ACCESS SHARE on deal_rows, so no old
partition can be detached. Meanwhile READERS threads run `SELECT count(*) FROM deals` in a loop
and cleanup is attempted ATTEMPTS times, every 0.25 s, in two ways:
  plain:      the previous code's statement: DETACH (ACCESS EXCLUSIVE on deal_rows) and DROP in a
              transaction with lock_timeout; it fails each time, and readers queue behind it;
  concurrent: this code's pass (deals.load.cleanup.loads_sweep): DETACH ... CONCURRENTLY, left
              pending by lock_timeout, FINALIZE attempted by the next passes.
Prints the readers' latency (p50, p99, max) in each case, the time of a pass with nothing to do,
and that of a pass dropping the previous load (the sample's), as each upload runs after it commits.
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path
from unittest.mock import patch

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from deals import driver  # noqa: E402
from deals.load import loader  # noqa: E402
from deals.load.cleanup import loads_sweep  # noqa: E402
from deals.load.loader import deals_load  # noqa: E402

READERS = 4
ATTEMPTS = 20
SAMPLE = ROOT / "tests" / "data" / "deals.csv"


def session(autocommit: bool = True):
    conn = driver.connect(connection.get_connection_params())
    conn.autocommit = autocommit
    return conn


def load_sample() -> None:
    with SAMPLE.open("rb") as file:
        deals_load(file=file)


def readers_during(attempt) -> list[float]:
    """Run `attempt` ATTEMPTS times while READERS threads read deals; their latencies in ms."""
    stop, latencies = threading.Event(), []

    def read() -> None:
        conn = session()
        cursor = conn.cursor()
        while not stop.is_set():
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM deals")
            cursor.fetchone()
            latencies.append((time.perf_counter() - started) * 1000)
        conn.close()

    threads = [threading.Thread(target=read) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for _ in range(ATTEMPTS):
        attempt()
        time.sleep(0.25)
    stop.set()
    for thread in threads:
        thread.join()
    return latencies


def plain_detach(partition: str) -> None:
    conn = session(autocommit=False)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '200ms'")
            cursor.execute(f"ALTER TABLE deal_rows DETACH PARTITION {partition}")
            cursor.execute(f"DROP TABLE {partition}")
        conn.commit()
    except driver.Error:
        conn.rollback()
    finally:
        conn.close()


def summary(name: str, latencies: list[float]) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:>10}: {len(latencies)} reads, p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms, max {max(latencies):.1f} ms"
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    load_sample()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'deal_rows_' || live_load FROM dataset")
        old = cursor.fetchone()[0]
    holder = session(autocommit=False)
    holder.cursor().execute("SELECT count(*) FROM deals")  # then idle in transaction
    load_sample()
    summary("none", readers_during(lambda: None))
    summary("plain", readers_during(lambda: plain_detach(old)))
    summary("concurrent", readers_during(loads_sweep))
    holder.rollback()
    holder.close()
    loads_sweep()
    passes = []
    for _ in range(ATTEMPTS):
        started = time.perf_counter()
        loads_sweep()
        passes.append((time.perf_counter() - started) * 1000)
    print(f"a pass with nothing to drop: median {statistics.median(passes):.1f} ms, max {max(passes):.1f} ms")
    drops = []
    for _ in range(ATTEMPTS):
        with SAMPLE.open("rb") as file, patch.object(loader, "cleanup", lambda: None):
            deals_load(file=file)
        started = time.perf_counter()
        assert len(loads_sweep().dropped) == 1
        drops.append((time.perf_counter() - started) * 1000)
    print(f"a pass dropping one load: median {statistics.median(drops):.1f} ms, max {max(drops):.1f} ms")


if __name__ == "__main__":
    main()
