"""The page for people at `/`: the report as a table and a chart, an upload box, the last uploads.

Plain Django views and templates (no DRF: this is HTML for a browser). The page works without
JavaScript (the chart is SVG drawn on the server; the form posts to /api/deals/); with it,
deals/static/deals/page.js uploads with a progress bar, shows the server's progress from
GET /api/uploads/, and swaps in `parts/` (the report and the uploads, rendered by the same
templates) when the upload is done.
"""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from deals.api.permissions import has_token
from deals.api.views import ApiRootView
from deals.web.chart import bar_chart
from deals.web.selectors import last_uploads, page_report


@require_safe
def page(request):
    """The page; a client that asks for JSON (`Accept: application/json`) gets the API root instead,
    which lived here before the page did, so API clients that start at `/` keep working."""
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        return ApiRootView.as_view()(request)
    return render(request, "deals/page.html", _context(request))


@require_safe
def page_parts(request):
    """The page's changing parts, for the script to put in place after an upload."""
    return render(request, "deals/parts.html", _context(request))


def _context(request) -> dict:
    report = page_report()
    # The history is shown to those who may read GET /api/uploads/ (with a token set, its holders).
    history_visible = has_token(request)
    return {
        "report": report,
        "chart": bar_chart(report.entries),
        "uploads": last_uploads() if history_visible else None,
        "token_required": bool(settings.DEALS_UPLOAD_TOKEN),
        "max_upload_bytes": settings.DEALS_MAX_UPLOAD_BYTES,
    }
