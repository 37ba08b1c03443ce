"""Numbers for operators: GET /metrics in Prometheus' text format, with the official prometheus_client.

Under gunicorn each worker is a process with its own memory, so counters are kept in
prometheus_client's multiprocess mode: every process writes its samples to files in
PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py creates and cleans a directory at master start) and a
scrape, whichever worker answers it, adds up the files of every worker, the dead ones included
(a counter must not go back when a worker is replaced). Without that variable (tests, a
management command) the counters are the process's own.

The live dataset's version and age are not counted but read from PostgreSQL at each scrape (the
same statement as a GET's version read), so every worker reports the same, current, values.

Names follow Prometheus' conventions: the prefix `deals_`, base units (`_seconds`, `_bytes`),
`_total` on counters (prometheus_client adds it), labels with a few fixed values only.
"""

import logging
import os
import time

from django.db import DatabaseError, connection
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from deals.sql import read_sql

logger = logging.getLogger("deals.metrics")

CONTENT_TYPE = CONTENT_TYPE_LATEST
# The `_created` series are never written in multiprocess mode; without it (one process) neither,
# so a scrape has the same series either way.
disable_created_metrics()
KIB = 1024

UPLOADS = Counter(
    "deals_uploads",
    "Upload attempts by outcome and the HTTP status their client got (for load_deals, the API's).",
    ["outcome", "status"],
)
UPLOAD_SECONDS = Histogram(
    "deals_upload_duration_seconds",
    "Time from the start of an upload attempt to its outcome.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
UPLOAD_BYTES = Histogram(
    "deals_upload_size_bytes",
    "Size of the uploaded files (as declared, for a file refused unread).",
    buckets=tuple(KIB * 4**n for n in range(12)),  # 1 KiB .. 4 GiB
)
ROWS_LOADED = Counter("deals_rows_loaded", "Deals stored by the uploads that loaded.")
REPORT_REQUESTS = Counter(
    "deals_report_requests",
    "GET /api/deals/ answers by where the report came from (process_hit: this worker's last report; "
    "shared_hit: the shared cache; miss: read from PostgreSQL; skipped: 304, the client's copy is current) "
    "and by status.",
    ["cache", "status"],
)


def upload_finished(*, outcome: str, status: int, seconds: float, size_bytes: int | None, rows: int | None) -> None:
    """Count one upload attempt's outcome (deals.uploads.services records every one)."""
    UPLOADS.labels(outcome=outcome, status=str(status)).inc()
    UPLOAD_SECONDS.observe(seconds)
    if size_bytes is not None:
        UPLOAD_BYTES.observe(size_bytes)
    if rows:
        ROWS_LOADED.inc(rows)


def report_served(*, cache: str, status: int) -> None:
    REPORT_REQUESTS.labels(cache=cache, status=str(status)).inc()


class DatasetCollector:
    """The live dataset's load number, publish time and age, read from PostgreSQL when scraped."""

    def collect(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute(read_sql("report/dataset_version"))
                live_load, published_us, _ = cursor.fetchone()
        except DatabaseError as error:
            logger.warning("metrics: dataset not read: %s", str(error).strip())
            return
        if live_load is None:
            return  # no upload yet: no dataset to describe
        published = published_us / 1_000_000
        yield GaugeMetricFamily(
            "deals_dataset_version", "Number of the live load (dataset.live_load; the ETag starts with it).", live_load
        )
        yield GaugeMetricFamily(
            "deals_dataset_published_timestamp_seconds", "When the live dataset was published (Unix time).", published
        )
        yield GaugeMetricFamily(
            "deals_dataset_age_seconds", "Seconds since the live dataset was published.", time.time() - published
        )


_dataset = CollectorRegistry()
_dataset.register(DatasetCollector())


def metrics_text() -> bytes:
    """Every metric, in Prometheus' text format: the counters of all workers, then the dataset's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    return generate_latest(counters) + generate_latest(_dataset)
