"""Reading the upload history (GET /api/uploads/)."""

from django.db.models import QuerySet

from deals.models import Upload


def upload_history() -> QuerySet[Upload]:
    """Every attempt, newest first (a queryset, so callers paginate it)."""
    return Upload.objects.order_by("-id")
