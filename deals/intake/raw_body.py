"""The raw-body intake: the request's body is the file itself (`curl -T deals.csv URL`, a pipe).

Nothing has to be parsed to find the file, so the request thread hands the body straight to the
loading service, which pulls it into COPY as it arrives: no multipart parser, no second thread.
The body is read from the WSGI input at most up to DEALS_MAX_UPLOAD_BYTES + 1 bytes, so a body
over the limit is refused as soon as the first byte past it has arrived, whether or not a length
was declared.

A body of unknown length (`Transfer-Encoding: chunked`, as `curl -T -` sends from a pipe) has no
CONTENT_LENGTH, which Django's request takes for an empty body; gunicorn's `wsgi.input` decodes
the chunks and ends where the body ends, so such a body is read from it directly.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import UnreadablePostError
from gunicorn.http.errors import ParseException

from deals import messages
from deals.errors import Failure, UploadError, too_large_error
from deals.intake.failures import intake_failure
from deals.source.csv_format import CHUNK_BYTES


def is_chunked(meta: dict) -> bool:
    """The body comes in chunks of its own, its length unknown until it ends."""
    return "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()


def declared_length(meta: dict) -> int | None:
    """The body's Content-Length, or None when it has none (chunked) or a nonsensical one."""
    declared = meta.get("CONTENT_LENGTH") or ""
    return int(declared) if declared.isdigit() and not is_chunked(meta) else None


class RequestBody:
    """The request's body as a file: `read(size)` returns what has arrived, b"" only at its end.

    Raises UploadError: TOO_LARGE past DEALS_MAX_UPLOAD_BYTES, INTERRUPTED when the body stops
    before its declared length or its last chunk (the client went away), CLIENT_IDLE when the
    client sent nothing for DEALS_UPLOAD_IDLE_SECONDS. The reader raises the failure itself: the
    loading service re-raises a read error without its cause, which tells a timeout from a reset.
    """

    def __init__(self, request) -> None:
        meta = request.META
        self._chunked = is_chunked(meta)
        self._stream = meta["wsgi.input"] if self._chunked else request  # Django's view of a sized body
        self.declared_size = declared_length(meta)
        self._limit = settings.DEALS_MAX_UPLOAD_BYTES
        self.received = 0
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        if self._ended or size == 0:
            return b""
        wanted = CHUNK_BYTES if size is None or size < 0 else size
        wanted = min(wanted, self._limit + 1 - self.received)  # one byte past the limit is enough to know
        try:
            data = self._stream.read(wanted)
        except UnreadablePostError as exc:  # Django's wrapper around the socket's error (a sized body)
            raise intake_failure(exc) from exc
        except (OSError, ParseException) as exc:  # gunicorn's chunked reader, read directly: the same
            unreadable = UnreadablePostError(str(exc))
            unreadable.__cause__ = exc  # a timeout (DEALS_UPLOAD_IDLE_SECONDS) or the client gone
            raise intake_failure(unreadable) from exc
        self.received += len(data)
        if self.received > self._limit:
            raise too_large_error(self._limit)
        if not data:
            self._ended = True
            if self.declared_size is not None and self.received < self.declared_size:
                raise UploadError(messages.UPLOAD_INTERRUPTED, Failure.INTERRUPTED)
        return data


def load_body(request, *, name: str, loader: Callable):
    """Call `loader` on the request's body as it arrives, with what the sender declared about it.

    The Content-Type's charset wins over detection; Content-Encoding (gzip, zstd) is undone.
    """
    body = RequestBody(request)
    return loader(
        file=body,
        name=name,
        size=body.declared_size,
        charset=request.content_params.get("charset"),
        content_encoding=request.headers.get("Content-Encoding"),
    )
