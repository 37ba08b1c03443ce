from django.urls import path

from deals.api.views import DealsView, UploadsView

urlpatterns = [
    path("deals/", DealsView.as_view(), name="deals"),
    path("uploads/", UploadsView.as_view(), name="uploads"),
]
