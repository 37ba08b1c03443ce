from django.urls import path

from deals.api.views import DealsView, UploadDetailView, UploadsView

urlpatterns = [
    path("deals/", DealsView.as_view(), name="deals"),
    path("uploads/", UploadsView.as_view(), name="uploads"),
    path("uploads/<int:pk>/", UploadDetailView.as_view(), name="upload-detail"),
]
