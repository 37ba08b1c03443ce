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
    Failure.LENGTH_REQUIRED: status.HTTP_411_LENGTH_REQUIRED,
    Failure.BUSY: status.HTTP_409_CONFLICT,
    Failure.INTERRUPTED: status.HTTP_400_BAD_REQUEST,
    Failure.CLIENT_IDLE: status.HTTP_408_REQUEST_TIMEOUT,
    Failure.NO_UPLOAD_SLOT: status.HTTP_503_SERVICE_UNAVAILABLE,
    Failure.STOPPED: status.HTTP_503_SERVICE_UNAVAILABLE,
    Failure.DATABASE_DOWN: status.HTTP_503_SERVICE_UNAVAILABLE,
    Failure.NO_ROOM: status.HTTP_503_SERVICE_UNAVAILABLE,
    Failure.DISK_FULL: status.HTTP_507_INSUFFICIENT_STORAGE,
    Failure.DATABASE_RESOURCES: status.HTTP_503_SERVICE_UNAVAILABLE,
    Failure.STATEMENT_CANCELLED: status.HTTP_503_SERVICE_UNAVAILABLE,
    Failure.OVER_DATABASE_LIMIT: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    Failure.CROSS_SITE: status.HTTP_403_FORBIDDEN,
    Failure.RATE_LIMITED: status.HTTP_429_TOO_MANY_REQUESTS,
    Failure.INTERNAL: status.HTTP_500_INTERNAL_SERVER_ERROR,
}


# Seconds a client is told to wait (Retry-After) before trying again, for failures that pass.
RETRY_AFTER = {
    Failure.NO_UPLOAD_SLOT: 5,
    Failure.DATABASE_DOWN: 5,
    Failure.DATABASE_RESOURCES: 5,
    Failure.STATEMENT_CANCELLED: 5,
}


def http_status(kind: Failure) -> int:
    return HTTP_STATUS[kind]


def retry_after_seconds(kind: Failure) -> int | None:
    return RETRY_AFTER.get(kind)
