"""The service's routes plus two constant JSON endpoints: the framework's own cost per request."""

from django.http import JsonResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from core.urls import urlpatterns as service_urlpatterns


def trivial_django(request):
    return JsonResponse({"response": []})


class TrivialDrf(APIView):
    def get(self, request):
        return Response({"response": []})


urlpatterns = [
    *service_urlpatterns,
    path("bench/trivial-django/", trivial_django),
    path("bench/trivial-drf/", TrivialDrf.as_view()),
]
