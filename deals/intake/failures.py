"""Errors raised while a request's body is read (by Django's or DRF's parsers, or the socket under
them), as failures in the service's words, so that the record of the attempt and the answer say
the same thing.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import UnreadablePostError
from rest_framework import exceptions

from deals import messages
from deals.errors import Failure, UploadError, as_failure

# DRF's errors about a body it could not read; every other APIException is DRF's own answer.
REQUEST_ERRORS = (exceptions.UnsupportedMediaType, exceptions.ParseError)


def request_failure(exc: BaseException) -> UploadError:
    """What the client is told about `exc`: a request we cannot read, or the upload's own failure."""
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return UploadError(messages.NOT_MULTIPART, Failure.BAD_REQUEST)
    if isinstance(exc, exceptions.ParseError):
        return UploadError(str(exc.detail), Failure.BAD_REQUEST)
    if isinstance(exc, SuspiciousOperation):  # Django's request limits: too many files or fields
        return UploadError(messages.refused_request(str(exc)), Failure.BAD_REQUEST)
    return as_failure(exc)


def intake_failure(exc: BaseException) -> UploadError:
    """Like request_failure, for an exception raised while the upload's body was being read.

    Django wraps every error of reading the body (the socket's) in UnreadablePostError; that one
    is the client's doing: silent for DEALS_UPLOAD_IDLE_SECONDS (the socket's timeout), or gone
    mid-body (a reset, or gunicorn's NoMoreData for a body cut short). Any other OSError (raised
    by the load, say) is not the client's, and stays what it is.
    """
    if isinstance(exc, UnreadablePostError):
        if isinstance(exc.__cause__, TimeoutError):
            return UploadError(messages.client_idle(settings.DEALS_UPLOAD_IDLE_SECONDS), Failure.CLIENT_IDLE)
        return UploadError(messages.UPLOAD_INTERRUPTED, Failure.INTERRUPTED)
    return request_failure(exc)
