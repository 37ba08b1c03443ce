"""HTTP in, one service or selector call, HTTP out. Nothing here knows how loading works."""

import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from deals import messages
from deals.errors import UploadError
from deals.loader import deals_load
from deals.report_cache import report_answer


class ApiRootView(APIView):
    """The deals-report API: upload a deals.csv, read the top five customers."""

    def get(self, request):
        return Response({"deals": reverse("deals", request=request)})


class DealsView(APIView):
    """POST a deals.csv (multipart field `deals`) to replace the dataset; GET the top five."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        deals = serializers.FileField(help_text="deals.csv: customer,item,total,quantity,date")

    class EntrySerializer(serializers.Serializer):
        """The shape of each report entry (for the schema); the JSON itself is rendered by deals.report."""

        username = serializers.CharField()
        spent_money = serializers.IntegerField()
        gems = serializers.ListField(child=serializers.CharField())

    def get_serializer(self, *args, **kwargs):
        # The browsable API builds its upload form from this.
        return self.InputSerializer(*args, **kwargs)

    def get(self, request):
        if request.accepted_renderer.format != "json":  # a browser: the page with the upload form
            return Response(json.loads(report_answer().body))
        answer = report_answer(if_none_match=request.headers.get("If-None-Match"))
        if answer.body is None:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(answer.body, content_type="application/json")
        response["ETag"] = answer.etag
        response["Cache-Control"] = "no-cache"  # clients may keep it, but must revalidate (cheap: 304)
        return response

    def post(self, request):
        limit = settings.DEALS_MAX_UPLOAD_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > limit:
            raise UploadError(messages.too_large(limit), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        files = request.FILES.getlist("deals")
        if not files:
            raise UploadError(messages.NO_FILE)
        if len(files) > 1:
            raise UploadError(messages.TWO_FILES)
        upload = files[0]
        if upload.size > limit:
            raise UploadError(messages.too_large(limit), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        result = deals_load(file=upload)
        return Response({"Status": "OK", "rows": result.rows})
