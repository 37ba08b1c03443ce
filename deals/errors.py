"""What can go wrong with an upload, as kinds of failure: the words of the service, not of HTTP.

Each kind is answered once by the API (deals/api/statuses.py: its HTTP status) and once by
`manage.py load_deals` (its exit code); the upload history and the log record the failure's
sentence, which is what the client was told.
"""

import enum
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError

from deals import driver, messages
from deals.driver import pg_error, pgcode


class Failure(enum.Enum):
    BAD_FILE = "bad_file"  # the file's content: its header, a line, a value
    BAD_REQUEST = "bad_request"  # the request around the file: no file, two files, not multipart
    TOO_LARGE = "too_large"  # over DEALS_MAX_UPLOAD_BYTES
    LENGTH_REQUIRED = "length_required"  # a multipart form sent without a Content-Length (chunked)
    BUSY = "busy"  # could not publish in time: DEALS_PUBLISH_WAIT_SECONDS or DEALS_PUBLISH_LOCK_TIMEOUT_MS passed
    INTERRUPTED = "interrupted"  # the body ended before the file did (the client went away or reset)
    CLIENT_IDLE = "client_idle"  # the client sent nothing for DEALS_UPLOAD_IDLE_SECONDS
    NO_UPLOAD_SLOT = "no_upload_slot"  # this worker already runs DEALS_UPLOADS_PER_WORKER uploads
    STOPPED = "stopped"  # the operator stopped the load (Ctrl-C in load_deals)
    DATABASE_DOWN = "database_down"  # PostgreSQL cannot be reached (SQLSTATE class 08, 57P01-57P03)
    DISK_FULL = "disk_full"  # PostgreSQL has no disk space left (53100)
    DATABASE_RESOURCES = "database_resources"  # out of memory, connections, ... (other class 53)
    STATEMENT_CANCELLED = "statement_cancelled"  # cancelled or over statement_timeout (57014)
    OVER_DATABASE_LIMIT = "over_database_limit"  # a value over one of PostgreSQL's limits (class 54)
    NO_ROOM = "no_room"  # old loads are still being read: stored loads are at their bound
    CROSS_SITE = "cross_site"  # a browser sent it from another site's page (deals/api/cross_site.py)
    RATE_LIMITED = "rate_limited"  # over DEALS_UPLOAD_RATE for the client's address
    INTERNAL = "internal"  # a bug: nothing the client can do


# Failures that come from the database's state, not from the file or a bug.
DATABASE_FAILURES = frozenset(
    {
        Failure.DATABASE_DOWN,
        Failure.DISK_FULL,
        Failure.DATABASE_RESOURCES,
        Failure.STATEMENT_CANCELLED,
        Failure.OVER_DATABASE_LIMIT,
    }
)


@dataclass(frozen=True)
class LineProblem:
    """One bad line of a file: its physical line (the header being line 1), the column and the value at
    fault where there is one, and the sentence that says what is wrong (deals/messages.py)."""

    line: int | None
    message: str
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "value": self.value, "message": self.message}


@dataclass(frozen=True)
class ProblemList:
    """Every bad line an upload was checked for, as its answer lists them: the first
    DEALS_MAX_REPORTED_ERRORS in file order, and how many there are (`exact` False: at least `count`,
    where checking stopped at DEALS_MAX_COUNTED_ERRORS)."""

    listed: tuple[LineProblem, ...]
    count: int
    exact: bool = True

    def as_dict(self) -> dict:
        return {
            "errors": [problem.as_dict() for problem in self.listed],
            "error_count": self.count,
            "error_count_exact": self.exact,
        }


class UploadError(Exception):
    """A failed upload: what the client is told (`desc`) and the kind of failure; the data stays as it was.

    `problems`, for a file with bad lines, lists them all (the API's `errors`); `desc` names the first.
    """

    def __init__(
        self,
        desc: str,
        kind: Failure = Failure.BAD_FILE,
        *,
        retry_after: int | None = None,
        problems: ProblemList | None = None,
    ) -> None:
        super().__init__(desc)
        self.desc = desc
        self.kind = kind
        self.retry_after = retry_after  # seconds after which trying again may succeed, when that is known
        self.problems = problems

    @classmethod
    def at(cls, problem: LineProblem) -> "UploadError":
        """The error of a file with one bad line: its sentence, and the list of one."""
        return cls(problem.message, problems=ProblemList(listed=(problem,), count=1))


def too_large_error(limit: int) -> UploadError:
    return UploadError(messages.too_large(limit), Failure.TOO_LARGE)


def as_failure(exc: BaseException) -> UploadError:
    """`exc` as the failure a client is told about: the upload's own error, the database's, or ours."""
    if isinstance(exc, UploadError):
        return exc
    database_failure = _database_failure(exc)
    if database_failure is not None:
        return database_failure
    return UploadError(messages.INTERNAL, Failure.INTERNAL)


# By SQLSTATE (PostgreSQL's error code), not by the driver's exception class: psycopg2 raises
# OperationalError for a lost connection, a full disk and a cancelled statement alike.
_BY_SQLSTATE = {
    "53100": (messages.DISK_FULL, Failure.DISK_FULL),
    "57014": (messages.STATEMENT_CANCELLED, Failure.STATEMENT_CANCELLED),
    "57P01": (messages.DATABASE_DOWN, Failure.DATABASE_DOWN),  # admin_shutdown (a restart)
    "57P02": (messages.DATABASE_DOWN, Failure.DATABASE_DOWN),  # crash_shutdown
    "57P03": (messages.DATABASE_DOWN, Failure.DATABASE_DOWN),  # cannot_connect_now (starting up)
}


def _database_failure(exc: BaseException) -> UploadError | None:
    """The failure a database error stands for, or None when `exc` is not the database's."""
    code = pgcode(exc)
    if code in _BY_SQLSTATE:
        desc, kind = _BY_SQLSTATE[code]
        return UploadError(desc, kind)
    if code and code.startswith("08"):  # connection_exception and its subclasses
        return UploadError(messages.DATABASE_DOWN, Failure.DATABASE_DOWN)
    if code and code.startswith("53"):  # insufficient_resources: memory, connections, ...
        return UploadError(messages.database_resources(_primary(exc)), Failure.DATABASE_RESOURCES)
    if code and code.startswith("54"):  # program_limit_exceeded
        return UploadError(messages.over_database_limit(_primary(exc)), Failure.OVER_DATABASE_LIMIT)
    lost = (OperationalError, InterfaceError, driver.OperationalError, driver.InterfaceError)
    if code is None and isinstance(pg_error(exc), lost):
        # No SQLSTATE at all: the driver lost the connection (refused, closed, reset) before
        # the server could say anything.
        return UploadError(messages.DATABASE_DOWN, Failure.DATABASE_DOWN)
    return None


def _primary(exc: BaseException) -> str:
    """PostgreSQL's own one-line message for `exc`."""
    error = pg_error(exc)
    diag = getattr(error, "diag", None)
    return (getattr(diag, "message_primary", None) or str(error)).strip()
