"""The application's own bounds on an upload, for deployments without a buffering proxy in front.

- `client_idle_limit`: a client that sends nothing for DEALS_UPLOAD_IDLE_SECONDS is cut off. Under
  gunicorn the WSGI environ holds the client's socket (`gunicorn.socket`); a timeout on it bounds
  every read of the body, whoever reads it (Django's multipart parser, or the drain after a load
  failed). gunicorn's gthread worker sets the socket blocking before each request and non-blocking
  when it parks a kept-alive connection, and saves/restores the timeout around its own drain; we
  restore what we found, so its bookkeeping is untouched. Without a socket (Django's test client,
  another server) the body is read without this bound.
- `upload_slot`: at most DEALS_UPLOADS_PER_WORKER uploads in progress per worker process, so the
  other threads always serve GETs. Over the cap the upload is refused at once, its body unread.
"""

import contextlib
import socket
import threading
from collections.abc import Iterator

from django.conf import settings

from deals import messages
from deals.errors import Failure, UploadError

_slots_lock = threading.Lock()
_in_progress = 0


@contextlib.contextmanager
def client_idle_limit(environ: dict) -> Iterator[None]:
    """Within the block, a read of the request's body that waits DEALS_UPLOAD_IDLE_SECONDS raises TimeoutError."""
    sock = environ.get("gunicorn.socket")
    seconds = settings.DEALS_UPLOAD_IDLE_SECONDS
    if not isinstance(sock, socket.socket) or not seconds:
        yield
        return
    prior = sock.gettimeout()
    sock.settimeout(seconds)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # the client may have reset the connection meanwhile
            sock.settimeout(prior)


@contextlib.contextmanager
def upload_slot() -> Iterator[None]:
    """Hold one of this process's upload slots for the block, or raise NO_UPLOAD_SLOT at once."""
    global _in_progress  # one counter per worker process, guarded by its lock
    with _slots_lock:
        if _in_progress >= settings.DEALS_UPLOADS_PER_WORKER:
            raise UploadError(messages.NO_UPLOAD_SLOT, Failure.NO_UPLOAD_SLOT)
        _in_progress += 1
    try:
        yield
    finally:
        with _slots_lock:
            _in_progress -= 1


def uploads_in_progress() -> int:
    return _in_progress
