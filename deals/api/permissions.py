"""Optional protection of uploads: one shared token from the environment, reading stays open."""

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
    """Identifies nobody; it only tells DRF to answer 401 with `WWW-Authenticate: Token`, not 403."""

    def authenticate(self, request):
        return None

    def authenticate_header(self, request) -> str:
        return "Token"


class UploadToken(BasePermission):
    """Writes need `Authorization: Token <DEALS_UPLOAD_TOKEN>` when that setting is set."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not settings.DEALS_UPLOAD_TOKEN:
            _log_open_uploads_once()
            return True
        return _token_given(request)


class TokenRequired(BasePermission):
    """Every method needs the upload token when DEALS_UPLOAD_TOKEN is set (the metrics)."""

    def has_permission(self, request, view) -> bool:
        return not settings.DEALS_UPLOAD_TOKEN or _token_given(request)


def has_token(request) -> bool:
    """Whether `request` may see what the token protects (always, when DEALS_UPLOAD_TOKEN is unset)."""
    try:
        return not settings.DEALS_UPLOAD_TOKEN or _token_given(request)
    except exceptions.NotAuthenticated:
        return False


def _token_given(request) -> bool:
    """True when the request carries the token; else the 401 that names it."""
    token = settings.DEALS_UPLOAD_TOKEN
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "token" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    raise exceptions.NotAuthenticated(messages.TOKEN_REQUIRED)


def _log_open_uploads_once() -> None:
    global _open_uploads_logged
    if not _open_uploads_logged:
        _open_uploads_logged = True
        logger.warning("uploads are open to anyone: set DEALS_UPLOAD_TOKEN to require a token")
