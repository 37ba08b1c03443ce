"""Top-level routes: the page for people at /, the API root and the deals API under /api/, its schema
and docs, /healthz, /metrics."""

from django.conf import settings
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from deals.api.views import ApiRootView, MetricsView, NotFoundView
from deals.ops.health import healthz
from deals.web.views import page, page_parts

urlpatterns = [
    path("", page, name="page"),
    path("parts/", page_parts, name="page-parts"),
    path("api/", ApiRootView.as_view(), name="api-root"),
    path("api/", include("deals.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # Last under /api/: any other path there answers the API's JSON error (404), not an HTML page.
    re_path(r"^api/", NotFoundView.as_view(), name="api-not-found"),
    path("healthz", healthz, name="healthz"),
    path("metrics", MetricsView.as_view(), name="metrics"),
]
if settings.DEBUG:
    # `make run` (gunicorn, DEBUG on) serves the browsable API's and Swagger UI's files itself;
    # with DEBUG off this adds nothing and a static file server (whitenoise) must serve them.
    urlpatterns += staticfiles_urlpatterns()
