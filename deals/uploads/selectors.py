"""Reading the upload history (GET /api/uploads/ and /api/uploads/<id>/), with live progress."""

from django.db.models import Case, F, QuerySet, When
from django.db.models.functions import Coalesce, Now

from deals.models import Upload


def upload_history(*, status: str | None = None) -> QuerySet[Upload]:
    """Every attempt (or those with `status`), newest first, with its progress (a queryset, so callers paginate it).

    Annotated: `live_phase` (the phase, while running), `rows_stored` (while running, the rows of the
    COPY statements that have ended, then COPY's total; then rows_loaded), `received_bytes`
    (so far while running, the file's size after) and `elapsed` (so far while running, the
    duration after).
    """
    uploads = Upload.objects.order_by("-id")
    if status is not None:
        uploads = uploads.filter(status=status)
    return uploads.annotate(
        rows_stored=Case(
            When(status__in=(Upload.Status.LOADED, Upload.Status.CHECKED), then=F("rows_loaded")),
            When(status=Upload.Status.RUNNING, then=F("rows_copied")),
            default=None,
        ),
        received_bytes=Case(When(status=Upload.Status.RUNNING, then=F("bytes_received")), default=F("size_bytes")),
        # Only a running upload has a phase (one whose process died keeps the last it wrote).
        live_phase=Case(When(status=Upload.Status.RUNNING, then=F("phase")), default=None),
        elapsed=Coalesce(F("duration"), Now() - F("started_at")),
    )
