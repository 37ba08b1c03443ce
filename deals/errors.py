"""The error an upload ends with, and how every error reaches the client in the contract's shape."""

import logging

from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.response import Response

from deals import messages

logger = logging.getLogger(__name__)


class UploadError(Exception):
    """A problem with the upload itself: the client can fix it, the data loaded stays as it was."""

    def __init__(self, desc: str, status_code: int = status.HTTP_400_BAD_REQUEST) -> None:
        super().__init__(desc)
        self.desc = desc
        self.status_code = status_code


def too_large_error(limit: int) -> UploadError:
    return UploadError(messages.too_large(limit), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


def error_response(desc: str, status_code: int) -> Response:
    return Response({"Status": "Error", "Desc": desc}, status=status_code)


def client_error(exc: BaseException) -> UploadError:
    """What a client is told about `exc`: the upload's own error, a request error, 503 or 500."""
    if isinstance(exc, UploadError):
        return exc
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return UploadError(messages.NOT_MULTIPART, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        return UploadError(str(exc.detail), exc.status_code)
    if isinstance(exc, SuspiciousOperation):  # Django's request limits: too many files or fields
        return UploadError(messages.refused_request(str(exc)), status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (OperationalError, InterfaceError)):
        return UploadError(messages.DATABASE_DOWN, status.HTTP_503_SERVICE_UNAVAILABLE)
    return UploadError(messages.INTERNAL, status.HTTP_500_INTERNAL_SERVER_ERROR)


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's exception hook: `{"Status": "Error", "Desc": ...}` for every failure, never `{"detail"}`."""
    error = client_error(exc)
    response = error_response(error.desc, error.status_code)
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if error.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        logger.error("database unreachable: %s", str(exc).strip())
    elif error.status_code >= 500:
        logger.exception("unexpected error", exc_info=exc)
    return response
