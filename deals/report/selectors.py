"""The top-five report: the selectors behind GET /api/deals/.

The load does the work once (the materialized view top_customers); a GET only reads the dataset's
version, and the report with its version when the rendered body is not cached
(deals/report/cache.py).
"""

import hashlib
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connection
from rest_framework.renderers import JSONRenderer

from deals import driver
from deals.driver import pgsql
from deals.report.by_load import live_report_sql
from deals.sql import compose_sql, read_sql

NO_DATASET = "none"  # the version before the first upload, whose report is always empty
REPORT_SQL_TAG = hashlib.sha256(live_report_sql().encode()).hexdigest()[:8]
VERSION_STATEMENT = "dataset_version"  # prepared once on each database connection


@dataclass(frozen=True)
class DatasetVersion:
    name: str
    upload_id: int | None  # the recorded upload that published it (None before one is recorded)


@dataclass(frozen=True)
class RenderedReport:
    version: str
    body: bytes  # the JSON that GET /api/deals/ sends, exactly


def version_name(live_load: int | None, published_us: int | None) -> str:
    """The version as a token: `<load>-<publish time in µs>-<report SQL>`.

    Unique across recreated databases (the publish time) and across deploys that change how the
    report is computed (a hash of its SQL): a cached body or a client's ETag from before a new
    report definition never matches the report that migrate rebuilt.
    """
    return NO_DATASET if live_load is None else f"{live_load}-{published_us}-{REPORT_SQL_TAG}"


def dataset_version() -> DatasetVersion:
    """The live dataset's version: the one read that every GET makes, a primary-key lookup.

    Kept cheap on purpose, since it is most of a cached GET's cost: a statement prepared once per
    connection (no parsing and planning per GET), run on psycopg2's own cursor without Django's
    health check of a reused connection (a `SELECT 1` before the request's first query, as costly
    as this read). A connection found dead is replaced and the read retried once, which is what
    the health check would have done.
    """
    try:
        return _read_version()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close()
        return _read_version()


def _read_version() -> DatasetVersion:
    row = driver.execute_prepared(connection, VERSION_STATEMENT, read_sql("report/dataset_version"))
    live_load, published_us, upload_id = row
    return DatasetVersion(name=version_name(live_load, published_us), upload_id=upload_id)


def report_render() -> RenderedReport:
    """The report and the version it belongs to, read in one snapshot and rendered to JSON once.

    The version may be newer than one read a moment earlier: a load may have committed between.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            compose_sql("report/report_snapshot", dataset_version=pgsql.SQL(read_sql("report/dataset_version")))
        )
        rows = cursor.fetchall()
    live_load, published_us = rows[0][:2]
    entries = [
        {"username": username, "spent_money": spent_money, "gems": gems}
        for _, _, username, spent_money, gems in rows
        if username is not None
    ]
    body = JSONRenderer().render({"response": entries})
    return RenderedReport(version=version_name(live_load, published_us), body=body)
