"""Top-level routes: the API root at /, the deals API under /api/."""

from django.urls import include, path

from deals.views import ApiRootView

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("api/", include("deals.urls")),
]
