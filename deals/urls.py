from django.urls import path

from deals.views import DealsView

urlpatterns = [
    path("deals/", DealsView.as_view(), name="deals"),
]
