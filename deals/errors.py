"""What can go wrong with an upload, as kinds of failure: the words of the service, not of HTTP.

Each kind is answered once by the API (deals/api/statuses.py: its HTTP status) and once by
`manage.py load_deals` (its exit code); the upload history and the log record the failure's
sentence, which is what the client was told.
"""

import enum

from django.db import InterfaceError, OperationalError

from deals import messages


class Failure(enum.Enum):
    BAD_FILE = "bad_file"  # the file's content: its header, a line, a value
    BAD_REQUEST = "bad_request"  # the request around the file: no file, two files, not multipart
    TOO_LARGE = "too_large"  # over DEALS_MAX_UPLOAD_BYTES
    BUSY = "busy"  # could not publish in time: DEALS_PUBLISH_WAIT_SECONDS or DEALS_PUBLISH_LOCK_TIMEOUT_MS passed
    INTERRUPTED = "interrupted"  # the body ended before the file did (the client went away)
    STOPPED = "stopped"  # the operator stopped the load (Ctrl-C in load_deals)
    DATABASE_DOWN = "database_down"  # PostgreSQL cannot be reached
    CROSS_SITE = "cross_site"  # a browser sent it from another site's page (deals/api/cross_site.py)
    RATE_LIMITED = "rate_limited"  # over DEALS_UPLOAD_RATE for the client's address
    INTERNAL = "internal"  # a bug: nothing the client can do


class UploadError(Exception):
    """A failed upload: what the client is told (`desc`) and the kind of failure; the data stays as it was."""

    def __init__(self, desc: str, kind: Failure = Failure.BAD_FILE, *, retry_after: int | None = None) -> None:
        super().__init__(desc)
        self.desc = desc
        self.kind = kind
        self.retry_after = retry_after  # seconds after which trying again may succeed, when that is known


def too_large_error(limit: int) -> UploadError:
    return UploadError(messages.too_large(limit), Failure.TOO_LARGE)


def as_failure(exc: BaseException) -> UploadError:
    """`exc` as the failure a client is told about: the upload's own error, the database's, or ours."""
    if isinstance(exc, UploadError):
        return exc
    if isinstance(exc, (OperationalError, InterfaceError)):
        return UploadError(messages.DATABASE_DOWN, Failure.DATABASE_DOWN)
    return UploadError(messages.INTERNAL, Failure.INTERNAL)
