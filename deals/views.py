"""HTTP in, one service or selector call, HTTP out. Nothing here knows how loading works."""

from django.conf import settings
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from deals import messages
from deals.errors import UploadError
from deals.report import top_customers
from deals.upload_stream import StreamingLoad


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
        username = serializers.CharField()
        spent_money = serializers.IntegerField()
        gems = serializers.ListField(child=serializers.CharField())

    def get_serializer(self, *args, **kwargs):
        # The browsable API builds its upload form from this.
        return self.InputSerializer(*args, **kwargs)

    def get(self, request):
        entries = self.EntrySerializer(top_customers(), many=True).data
        return Response({"response": entries})

    def post(self, request):
        limit = settings.DEALS_MAX_UPLOAD_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > limit:
            raise UploadError(messages.too_large(limit), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        # The file is loaded while it arrives; it commits only once the whole request checks out.
        with StreamingLoad(request, field="deals") as load:
            files = request.FILES.getlist("deals")
            if not files:
                raise UploadError(messages.NO_FILE)
            if len(files) > 1:
                raise UploadError(messages.TWO_FILES)
            if files[0].size > limit:
                raise UploadError(messages.too_large(limit), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
            result = load.commit()
        return Response({"Status": "OK", "rows": result.rows})
