"""How every error reaches an API client: `{"Status": "Error", "Desc": ...}`, never DRF's `{"detail"}`."""

import logging

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from deals.api.statuses import http_status, retry_after_seconds
from deals.errors import DATABASE_FAILURES, Failure, ProblemList
from deals.intake.failures import REQUEST_ERRORS, request_failure

logger = logging.getLogger("deals.errors")  # the name operators know; kept when the module moved


def error_response(desc: str, status_code: int, *, problems: ProblemList | None = None) -> Response:
    """The contract's error shape; for a file with bad lines, all of them too (`errors`, `error_count`, ...)."""
    body = {"Status": "Error", "Desc": desc}
    if problems is not None:
        body.update(problems.as_dict())
    return Response(body, status=status_code)


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's exception hook: a failure's kind gives the status; DRF's own refusals keep theirs."""
    if isinstance(exc, Http404):  # an unknown id (GET /api/uploads/<id>/), as DRF's own handler does
        exc = exceptions.NotFound(str(exc))
    if isinstance(exc, exceptions.APIException) and not isinstance(exc, REQUEST_ERRORS):
        # DRF's answers about the request itself (401, 405, 406, 429, ...), before any service ran.
        response = error_response(str(exc.detail), exc.status_code)
        kind = None
    else:
        error = request_failure(exc)
        response = error_response(error.desc, http_status(error.kind), problems=error.problems)
        kind = error.kind
    wait = getattr(exc, "wait", None) or getattr(exc, "retry_after", None) or (kind and retry_after_seconds(kind))
    if wait:
        response["Retry-After"] = str(int(wait))
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if kind in DATABASE_FAILURES:  # the database's trouble, not a bug: one line, no traceback
        logger.error("database failure (%s): %s", kind.value, str(exc.__cause__ or exc).strip())
    elif kind is Failure.INTERNAL or (kind is None and response.status_code >= 500):  # a bug
        logger.exception("unexpected error", exc_info=exc)
    return response
