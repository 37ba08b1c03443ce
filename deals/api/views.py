"""HTTP in, one service or selector call, HTTP out. Nothing here knows how loading works."""

import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from rest_framework import exceptions, generics
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from deals import messages
from deals.api import docs as api_docs
from deals.api.cross_site import SameSiteWrites
from deals.api.permissions import TokenChallenge, TokenRequired, UploadToken
from deals.api.serializers import UploadInputSerializer, UploadSerializer
from deals.api.throttles import UploadRate, retry_after
from deals.errors import Failure, UploadError
from deals.intake.service import receive_multipart, receive_raw, refuse_unread
from deals.models import Upload
from deals.ops import metrics
from deals.report.cache import report_answer
from deals.uploads.selectors import upload_history


@api_docs.not_an_endpoint
class ApiRootView(APIView):
    """The deals-report API: upload a deals.csv, read the top five customers."""

    def get(self, request):
        return Response(
            {
                "deals": reverse("deals", request=request),
                "uploads": reverse("uploads", request=request),
                "schema": reverse("schema", request=request),
                "docs": reverse("docs", request=request),
                "health": reverse("healthz", request=request),
                "metrics": reverse("metrics", request=request),
                "page": reverse("page", request=request),
            }
        )


@api_docs.not_an_endpoint
class NotFoundView(APIView):
    """Every other path under /api/: the API's error shape with 404 (not Django's HTML page), whatever the
    method. A GET of a path that is a route with a trailing slash is redirected there, as Django's
    APPEND_SLASH would have done had this catch-all not matched first."""

    def answer(self, request, *args, **kwargs):
        with_slash = request.path + "/"
        if request.method in ("GET", "HEAD") and is_route(with_slash):
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(with_slash + (f"?{query}" if query else ""))
        raise exceptions.NotFound(messages.no_such_endpoint(request.path, reverse("api-root", request=request)))

    get = post = put = patch = delete = head = options = answer


class DealsView(APIView):
    """POST or PUT a deals.csv (multipart field `deals`, or the body itself) to replace the dataset; GET the top 5."""

    parser_classes = [MultiPartParser]
    authentication_classes = [TokenChallenge]
    # In this order: no token, 401 (not recorded: anyone could fill the history); then a write from
    # another site's page, 403; then over the rate, 429. Both of these are recorded attempts.
    permission_classes = [UploadToken, SameSiteWrites]
    throttle_classes = [UploadRate]

    def initial(self, request, *args, **kwargs):
        """An upload refused before its body is read is recorded like every other refused attempt."""
        try:
            super().initial(request, *args, **kwargs)
        except UploadError as error:
            refuse_unread(error)

    def throttled(self, request, wait):
        seconds = retry_after(wait)
        error = messages.too_many_uploads(settings.DEALS_UPLOAD_RATE, seconds)
        raise UploadError(error, Failure.RATE_LIMITED, retry_after=seconds)

    def get_serializer(self, *args, **kwargs):
        # The browsable API builds its upload form from this.
        return UploadInputSerializer(*args, **kwargs)

    @api_docs.deals_get
    def get(self, request):
        if request.accepted_renderer.format != "json":  # a browser: the page with the upload form
            answer = report_answer()
            metrics.report_served(cache=answer.cache, status=200)
            return Response(json.loads(answer.body))
        answer = report_answer(if_none_match=request.headers.get("If-None-Match"))
        if answer.body is None:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(answer.body, content_type="application/json")
        metrics.report_served(cache=answer.cache, status=response.status_code)
        response["ETag"] = answer.etag
        response["Cache-Control"] = "no-cache"  # clients may keep it, but must revalidate (cheap: 304)
        if answer.upload_id is not None:
            response["X-Upload-Id"] = str(answer.upload_id)
        return response

    @api_docs.deals_post
    def post(self, request):
        return upload_answer(request, name="")

    @api_docs.deals_put
    def put(self, request):
        return upload_answer(request, name="")


class DealsFileView(DealsView):
    """PUT /api/deals/<file name>: what `curl -T deals.csv http://host/api/deals/` sends."""

    http_method_names = ["put", "options"]

    @api_docs.deals_put_named
    def put(self, request, file_name: str):
        return upload_answer(request, name=file_name)


def upload_answer(request, *, name: str) -> Response:
    """A multipart form is parsed for its `deals` part; any other body is the file itself. `?check=1`
    checks the file as a load would and publishes nothing."""
    check_only = check_requested(request)
    if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data"):
        outcome = receive_multipart(request=request, field="deals", check_only=check_only)
    else:
        outcome = receive_raw(request=request, name=name, check_only=check_only)
    if outcome.checked:
        return Response({"Status": "OK", "rows": outcome.rows, "checked": True, "upload": outcome.upload_id})
    return Response(
        {
            "Status": "OK",
            "rows": outcome.rows,
            "upload": outcome.upload_id,
            "dataset": outcome.load_id,
            "live": outcome.live,
        }
    )


def is_route(path: str) -> bool:
    """Whether `path` is one of the API's own routes, not the catch-all."""
    try:
        return getattr(resolve(path).func, "view_class", None) is not NotFoundView
    except Resolver404:
        return False


def check_requested(request) -> bool:
    """`?check=1` (or true, yes, on); `?check=0` or no parameter: a load. Anything else is refused unread."""
    value = request.query_params.get("check")
    if value is None:
        return False
    if value.strip().lower() in CHECK_VALUES:
        return CHECK_VALUES[value.strip().lower()]
    refuse_unread(UploadError(messages.unknown_check_value(value), Failure.BAD_REQUEST))


CHECK_VALUES = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


class UploadsPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        self.page_size = settings.DEALS_UPLOADS_PAGE_SIZE  # read per request, so tests can override it
        return super().get_page_size(request)


@api_docs.uploads_list
class UploadsView(generics.ListAPIView):
    """Every upload attempt, newest first: file, size, SHA-256, rows, outcome and timing; `?status=running`
    lists the uploads in progress, with their phase, bytes and rows so far."""

    serializer_class = UploadSerializer
    pagination_class = UploadsPagination
    # File names, sizes and errors quoting the files' values: behind the token when one is set.
    authentication_classes = [TokenChallenge]
    permission_classes = [TokenRequired]

    def get_queryset(self):
        status = self.request.query_params.get("status")
        if status is not None and status not in Upload.Status.values:
            raise exceptions.ParseError(messages.unknown_upload_status(status, Upload.Status.values))
        return upload_history(status=status)


@api_docs.upload_detail
class UploadDetailView(generics.RetrieveAPIView):
    """One upload attempt; while it runs, its phase, bytes received and rows stored so far."""

    serializer_class = UploadSerializer
    # Readable by exactly the people who may read the history.
    authentication_classes = UploadsView.authentication_classes
    permission_classes = UploadsView.permission_classes

    def get_queryset(self):
        return upload_history()


class AnyAccept(BaseContentNegotiation):
    """The metrics are text whatever the scraper accepts; only an error is rendered (as JSON)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@api_docs.not_an_endpoint
class MetricsView(APIView):
    """Prometheus' scrape target; needs the upload token when DEALS_UPLOAD_TOKEN is set."""

    authentication_classes = [TokenChallenge]
    permission_classes = [TokenRequired]
    content_negotiation_class = AnyAccept

    def get(self, request):
        return HttpResponse(metrics.metrics_text(), content_type=metrics.CONTENT_TYPE)
