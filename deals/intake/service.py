"""The intake service: an upload attempt arriving over HTTP, bounded, and recorded as answered.

Every way an upload arrives (the multipart form, through StreamingLoad; the raw body, through
raw_body.load_body) goes through `receive`, so the policy lives once:
- a file declared over DEALS_MAX_UPLOAD_BYTES, or arriving when this worker has no upload slot
  free, is refused before its body is read (as the API's own refusals are, through `refuse_unread`);
- the body is read under the client idle limit (deals/intake/limits.py);
- what the attempt's record says is decided once the request has ended and the load has stopped
  (the loader thread leaves its failure unrecorded, see `upload_record(on_failure=...)`): the one
  error that leaves this function is the one recorded and the one the API answers with, whichever
  thread noticed what first.
"""

import functools
from collections.abc import Callable
from typing import NoReturn

from django.conf import settings

from deals import messages
from deals.errors import Failure, UploadError, too_large_error
from deals.intake.failures import intake_failure
from deals.intake.limits import client_idle_limit, upload_slot
from deals.intake.raw_body import is_chunked, load_body
from deals.intake.streaming import StreamingLoad
from deals.uploads.services import FailedAttempt, UploadOutcome, upload_record, upload_refused


def receive_multipart(*, request, field: str, check_only: bool = False) -> UploadOutcome:
    """Load the one file in the multipart field `field` while it arrives; commit once the request checks out.

    `check_only`: check the file as a load would and publish nothing (upload_record's check_only).
    """

    def load_the_form(loader: Callable) -> UploadOutcome:
        if is_chunked(request.META):  # Django's and DRF's parsers would take it for an empty body
            raise UploadError(messages.MULTIPART_LENGTH_REQUIRED, Failure.LENGTH_REQUIRED)
        with StreamingLoad(request, field=field, loader=loader) as load:
            files = request.FILES.getlist(field)
            if not files:
                raise UploadError(messages.NO_FILE, Failure.BAD_REQUEST)
            if len(files) > 1:
                raise UploadError(messages.TWO_FILES, Failure.BAD_REQUEST)
            return load.commit()

    return receive(request=request, load=load_the_form, check_only=check_only)


def receive(*, request, load: Callable[[Callable], UploadOutcome], check_only: bool = False) -> UploadOutcome:
    """Run `load(loader)` for this request's upload within the limits, and record how it ended.

    `load` reads the body and calls `loader` (upload_record, with its failure left to us) on the
    file as it arrives; whatever it raises is answered, and recorded, as one UploadError.
    """
    failed: list[FailedAttempt] = []
    try:
        refuse_if_declared_too_large(content_length=request.META.get("CONTENT_LENGTH"))
        with upload_slot(), client_idle_limit(request.META):
            return load(functools.partial(upload_record, on_failure=failed.append, check_only=check_only))
    except Exception as exc:
        # The request has ended and the load has stopped (StreamingLoad joins its thread): decide now.
        error = intake_failure(exc)
        if failed:  # the load had started: its record gets the answer
            failed[0].record(error)
        else:
            unread = error.kind in (Failure.TOO_LARGE, Failure.NO_UPLOAD_SLOT)
            upload_refused(size=_declared_size(request) if unread else None, error=error)
        if error is exc:
            raise
        raise error from exc


def receive_raw(*, request, name: str, check_only: bool = False) -> UploadOutcome:
    """Load the request's body, which is the file itself, as it arrives; `name` is what the history records."""
    return receive(
        request=request, load=lambda loader: load_body(request, name=name, loader=loader), check_only=check_only
    )


def refuse_unread(error: UploadError) -> NoReturn:
    """Refuse an attempt before its body is read (from another site, over the rate limit), recorded as such."""
    upload_refused(size=None, error=error)
    raise error


def refuse_if_declared_too_large(*, content_length: str | None) -> None:
    """Refuse, before reading the body, a request whose Content-Length is over DEALS_MAX_UPLOAD_BYTES."""
    declared = content_length or "0"
    if declared.isdigit() and int(declared) > settings.DEALS_MAX_UPLOAD_BYTES:
        raise too_large_error(settings.DEALS_MAX_UPLOAD_BYTES)


def _declared_size(request) -> int | None:
    """The body's declared size: all we know of a file refused unread."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    return int(declared) if declared.isdigit() else None
