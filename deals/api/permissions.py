"""Optional protection by one shared token from the environment (DEALS_UPLOAD_TOKEN).

Uploads need it, and so does what tells about uploads (the history, the metrics); the report and
/healthz never do. Unset, everything is open and the service says so once in its log.
"""

import hmac
import logging

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from deals import messages

logger = logging.getLogger("deals.permissions")  # the name operators know; kept when the module moved
_open_uploads_logged = False


class TokenChallenge(BaseAuthentication):
    """Identifies nobody; it only tells DRF to answer 401 with `WWW-Authenticate: Token`, not 403.

    Every view guarded by a token permission below lists it in `authentication_classes`.
    """

    def authenticate(self, request):
        return None

    def authenticate_header(self, request) -> str:
        return "Token"


class TokenRequired(BasePermission):
    """Every request needs `Authorization: Token <DEALS_UPLOAD_TOKEN>` when that setting is set.

    For what tells about uploads (the history, the metrics): file names, sizes and errors that
    quote values from the files. Reusable by any view that lists TokenChallenge as its authenticator.
    """

    refusal = messages.READ_TOKEN_REQUIRED

    def protects(self, method: str) -> bool:
        """Whether a request with this method needs the token (when one is set); read by the schema."""
        return True

    def has_permission(self, request, view) -> bool:
        if not self.protects(request.method):
            return True
        token = settings.DEALS_UPLOAD_TOKEN
        if not token:
            return True
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "token" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
        raise exceptions.NotAuthenticated(self.refusal)


class UploadToken(TokenRequired):
    """Writes need the token when DEALS_UPLOAD_TOKEN is set; reading (the report) never does."""

    refusal = messages.TOKEN_REQUIRED

    def protects(self, method: str) -> bool:
        return method not in SAFE_METHODS

    def has_permission(self, request, view) -> bool:
        if self.protects(request.method) and not settings.DEALS_UPLOAD_TOKEN:
            _log_open_uploads_once()
        return super().has_permission(request, view)


def has_token(request) -> bool:
    """Whether `request` may see what the token protects (the page's list of uploads asks)."""
    try:
        return TokenRequired().has_permission(request, None)
    except exceptions.NotAuthenticated:
        return False


def _log_open_uploads_once() -> None:
    global _open_uploads_logged
    if not _open_uploads_logged:
        _open_uploads_logged = True
        logger.warning("uploads are open to anyone: set DEALS_UPLOAD_TOKEN to require a token")
