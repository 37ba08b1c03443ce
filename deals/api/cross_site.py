"""Browsers on other sites cannot write here.

A page on any site can make its visitor's browser POST a multipart form to this service: a "simple
request", sent without asking the service first (no CORS preflight). With uploads open, that would
let any web page an intranet user opens replace the dataset. Browsers say where such a request
comes from: `Sec-Fetch-Site` (cross-site, same-site, same-origin, none) and `Origin`. A write that
a browser marks as coming from another site is refused; a request without those headers (curl,
scripts: no page is involved) and the service's own pages are not affected.
"""

from urllib.parse import urlsplit

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission

from deals import messages
from deals.errors import Failure, UploadError


def from_another_site(request) -> bool:
    """True when a browser says the request was made by a page that is not this service's."""
    if request.META.get("HTTP_SEC_FETCH_SITE", "").strip().lower() == "cross-site":
        return True
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return False  # not sent by a browser page (or by one too old to say; Sec-Fetch-Site covers those)
    return not own_origin(origin.strip(), host=request.get_host())


def own_origin(origin: str, *, host: str) -> bool:
    """The request's own host (the same origin: a page of this service), or one named as trusted.

    Compared by host and port only: behind a TLS proxy that the service does not trust
    (DEALS_TRUSTED_PROXIES=0) it sees http where the browser saw https, for its own page. A sibling
    host on the same site (another.intranet vs deals.intranet) is another origin, refused.
    """
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)  # "null" (sandboxed frames, file: pages) has no host: never ours
    return bool(parts.netloc) and parts.scheme in {"http", "https"} and parts.netloc.lower() == host.lower()


class SameSiteWrites(BasePermission):
    """Writes from another site's page get 403; reading stays open to everyone (CORS keeps other
    sites' pages from reading the answers anyway).

    Raises the failure itself (DRF would turn a refused permission into 401 on views that have an
    authenticator); an upload view records it as a refused attempt.
    """

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS and from_another_site(request):
            raise UploadError(messages.CROSS_SITE, Failure.CROSS_SITE)
        return True
