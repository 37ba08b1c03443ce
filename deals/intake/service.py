"""The intake service: an upload attempt arriving over HTTP, and how a refused one is recorded.

Every way an upload arrives (today the multipart form, through StreamingLoad) goes through here,
so the policy lives once: a refusal is recorded exactly once, by the load when one has started
(its record gets the refusal), or else as an attempt refused before any file arrived.
"""

from typing import NoReturn

from django.conf import settings

from deals import messages
from deals.errors import Failure, UploadError, too_large_error
from deals.intake.streaming import StreamingLoad
from deals.uploads.services import UploadOutcome, upload_record, upload_refused


def receive_multipart(*, request, field: str) -> UploadOutcome:
    """Load the one file in the multipart field `field` while it arrives; commit once the request checks out."""
    refuse_if_declared_too_large(content_length=request.META.get("CONTENT_LENGTH"))
    with StreamingLoad(request, field=field, loader=upload_record) as load:
        files = request.FILES.getlist(field)
        if not files:
            refuse(UploadError(messages.NO_FILE, Failure.BAD_REQUEST), load=load)
        if len(files) > 1:
            refuse(UploadError(messages.TWO_FILES, Failure.BAD_REQUEST), load=load)
        return load.commit()


def refuse_unread(error: UploadError) -> NoReturn:
    """Refuse an attempt before its body is read (from another site, over the rate limit), recorded as such."""
    refuse(error)


def refuse_if_declared_too_large(*, content_length: str | None) -> None:
    """Refuse, before reading the body, a request whose Content-Length is over DEALS_MAX_UPLOAD_BYTES."""
    limit = settings.DEALS_MAX_UPLOAD_BYTES
    declared = content_length or "0"
    if declared.isdigit() and int(declared) > limit:
        refuse(too_large_error(limit), size=int(declared))


def refuse(error: UploadError, *, size: int | None = None, load: StreamingLoad | None = None) -> NoReturn:
    """Answer with `error`, recorded once: by the load that has started, or as a refused attempt."""
    if load is not None and load.started:
        load.abort(error)  # the load's own record of the attempt gets this error...
        load.raise_if_failed()  # ...unless it had already failed by itself: then the client hears that
    else:
        upload_refused(size=size, error=error)
    raise error
