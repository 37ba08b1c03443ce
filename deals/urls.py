from django.urls import path

from deals.api.views import DealsFileView, DealsView, UploadDetailView, UploadsView

urlpatterns = [
    path("deals/", DealsView.as_view(), name="deals"),
    # `curl -T deals.csv http://host/api/deals/` appends the file's name: PUT /api/deals/deals.csv.
    path("deals/<str:file_name>", DealsFileView.as_view(), name="deals-file"),
    path("uploads/", UploadsView.as_view(), name="uploads"),
    path("uploads/<int:pk>/", UploadDetailView.as_view(), name="upload-detail"),
]
