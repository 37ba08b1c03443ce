"""DEALS_UPLOAD_RATE: how many uploads one client address may start, counted by every worker together.

DRF's SimpleRateThrottle keeps each address's recent request times in Django's cache: Redis when
REDIS_URL is set, so all workers and processes share one count; without Redis, each process
counts on its own (the limit is then per worker). The address is REMOTE_ADDR, or the one the
nearest trusted proxy saw (DEALS_TRUSTED_PROXIES, DRF's NUM_PROXIES). Reading is never counted.

The count is read and written back without a lock, so uploads that start at the same instant may
both be let through at the limit's edge: a bound on cost, not an exact quota.
"""

import logging
import math

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from deals.report.cache import CACHE_ERRORS

logger = logging.getLogger("deals.permissions")


class UploadRate(SimpleRateThrottle):
    scope = "uploads"

    def get_rate(self) -> str | None:
        return settings.DEALS_UPLOAD_RATE or None  # read per request, so tests can change it

    def get_cache_key(self, request, view) -> str | None:
        if request.method in SAFE_METHODS:
            return None  # not counted, not limited
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            # The cache holds the counts; without it the service still serves: uploads unlimited
            # until it is back (each such upload logs this).
            logger.warning("upload rate not checked, the cache is unavailable: %s", str(error).strip() or error)
            return True


def retry_after(wait: float | None) -> int:
    """Whole seconds until the address may upload again (at least 1), from DRF's estimate if it has one."""
    return max(1, math.ceil(wait if wait is not None else UploadRate().duration))
