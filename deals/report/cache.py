"""The rendered report, cached per dataset version: it cannot be stale, whatever the cache holds.

Every GET reads the live version from PostgreSQL (one primary-key lookup), so it sees a load the
moment the load commits, on every worker. Entries are keyed by that version, and an entry is only
ever written with a body read in the same snapshot as its version: a key can hold nothing but its
own version's report. Nothing is invalidated and no upload races a GET writing back an old
report; a new dataset is simply a new key.

Two levels, both keyed by version: the last report this process served (a hit costs nothing), then
the shared cache (Redis when REDIS_URL is set, else memory per process), which saves the other
workers the report query and its rendering. When Redis is down or flushed, the report comes from
PostgreSQL.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.http import parse_etags
from redis import RedisError

from deals.report.selectors import NO_DATASET, RenderedReport, dataset_version, report_render

logger = logging.getLogger("deals.report_cache")  # the name operators know; kept when the module moved

ENTRY_SECONDS = 24 * 3600  # a replaced version is never asked for again; let the cache forget it
RETRY_SECONDS = 2.0  # after a cache error, answer from PostgreSQL alone this long before trying again
CACHE_ERRORS = (RedisError, OSError)
EMPTY_REPORT = RenderedReport(version=NO_DATASET, body=b'{"response":[]}')


# Where an answer's body came from (the metrics count GETs by it).
PROCESS_HIT, SHARED_HIT, MISS, SKIPPED = "process_hit", "shared_hit", "miss", "skipped"


@dataclass(frozen=True)
class ReportAnswer:
    etag: str  # strong, quoted: the dataset version
    body: bytes | None  # None when the client's copy (If-None-Match) is the current one
    upload_id: int | None = None  # the recorded upload the version came from
    cache: str = SKIPPED  # PROCESS_HIT, SHARED_HIT, MISS (read from PostgreSQL), or SKIPPED (no body)


class CacheBreaker:
    """Skips the cache for a while after it fails, and logs each outage once, not every request.

    Also keeps a dead or unreachable Redis from costing each GET a connection timeout.
    """

    def __init__(self, retry_seconds: float) -> None:
        self.retry_seconds = retry_seconds
        self._retry_at = 0.0
        self._down_since: float | None = None
        self._failures = 0
        self._lock = threading.Lock()

    def may_try(self) -> bool:
        """False for a while after a failure: then PostgreSQL answers without waiting on the cache."""
        return time.monotonic() >= self._retry_at

    def failed(self, error: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            self._retry_at = now + self.retry_seconds
            self._failures += 1
            if self._down_since is None:
                self._down_since = now
                logger.warning(
                    "report cache unavailable, answering from PostgreSQL (retrying every %.0fs): %s",
                    self.retry_seconds,
                    str(error).strip() or type(error).__name__,
                )

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is not None:
                logger.info(
                    "report cache available again after %.1fs (%d failed attempts)",
                    time.monotonic() - self._down_since,
                    self._failures,
                )
                self._down_since, self._failures = None, 0


breaker = CacheBreaker(RETRY_SECONDS)
# The report this process served last. Replaced whole (one reference assignment), so a thread
# reads either the old pair or the new one; a version mismatch just falls through to the cache.
last_served = EMPTY_REPORT


def cache_key(version: str) -> str:
    return f"report:{version}"


def etag_for(version: str) -> str:
    return f'"{version}"'


def report_answer(*, if_none_match: str | None = None) -> ReportAnswer:
    """The current report as JSON bytes with its ETag, or no body when the client's copy is current."""
    current = dataset_version()
    version = current.name
    if if_none_match and _client_has(if_none_match, etag_for(version)):
        return ReportAnswer(etag=etag_for(version), body=None, upload_id=current.upload_id)
    report, cache_result = last_served, PROCESS_HIT
    if report.version != version:
        report, cache_result = _cached(version), SHARED_HIT
        if report is None:
            report, cache_result = report_render(), MISS
            _store(report)
        _remember(report)
    # A load committed after the version read is served with its own ETag, but without an upload id.
    upload_id = current.upload_id if report.version == version else None
    return ReportAnswer(etag=etag_for(report.version), body=report.body, upload_id=upload_id, cache=cache_result)


def _remember(report: RenderedReport) -> None:
    global last_served
    last_served = report


def _client_has(if_none_match: str, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110): W/"v" matches "v"."""
    tags = parse_etags(if_none_match)
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


def _cached(version: str) -> RenderedReport | None:
    if not breaker.may_try():
        return None
    try:
        body = cache.get(cache_key(version))
    except CACHE_ERRORS as error:
        breaker.failed(error)
        return None
    breaker.succeeded()
    return None if body is None else RenderedReport(version=version, body=body)


def _store(report: RenderedReport) -> None:
    if report.version == NO_DATASET or not breaker.may_try():
        return
    try:
        cache.set(cache_key(report.version), report.body, ENTRY_SECONDS)
    except CACHE_ERRORS as error:
        breaker.failed(error)
