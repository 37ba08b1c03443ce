"""The one mapping from a kind of failure to the HTTP status the API answers with.

The API's exception handler answers with it, and the upload log line names it (`status=`), so an
operator reads the same number the client got.
"""

from rest_framework import status

from deals.errors import Failure

HTTP_STATUS = {
    Failure.BAD_FILE: status.HTTP_400_BAD_REQUEST,
    Failure.BAD_REQUEST: status.HTTP_400_BAD_REQUEST,
    Failure.TOO_LARGE: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    Failure.BUSY: status.HTTP_409_CONFLICT,
    Failure.INTERRUPTED: status.HTTP_400_BAD_REQUEST,
    Failure.STOPPED: status.HTTP_503_SERVICE_UNAVAILABLE,
    Failure.DATABASE_DOWN: status.HTTP_503_SERVICE_UNAVAILABLE,
    Failure.CROSS_SITE: status.HTTP_403_FORBIDDEN,
    Failure.RATE_LIMITED: status.HTTP_429_TOO_MANY_REQUESTS,
    Failure.INTERNAL: status.HTTP_500_INTERNAL_SERVER_ERROR,
}


def http_status(kind: Failure) -> int:
    return HTTP_STATUS[kind]
