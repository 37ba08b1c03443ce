"""Settings for deals-report, all overridable from the environment.

Every value has a default that works for local development against the PostgreSQL on
127.0.0.1; production sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development).")
    SECRET_KEY = "insecure-local-development-key"  # noqa: S105 (DEBUG only)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our static files: no CDN
    "django_pgviews",
    "deals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware: static files are answered before any other work.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/deals"),
        # Keep connections between requests: a GET should not pay for a new backend.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Loads commit explicitly in the loader; a request-wide transaction would hide that.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Seconds to wait for PostgreSQL to accept a connection, so /healthz answers 503 instead of hanging.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic (run when the image is built) adds gzip copies that whitenoise serves. Not the
    # Manifest variant: it fails every HTML page wherever collectstatic has not run (tests, a checkout).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Django's threshold for spooling a file part to disk. POST /api/deals/ stores no file at all (its
# `deals` part streams into COPY, other parts are skipped), so this only matters for other forms.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# When set, POST /api/deals/ needs `Authorization: Token <this value>` (401 otherwise); unset, uploads are open.
DEALS_UPLOAD_TOKEN = os.environ.get("DEALS_UPLOAD_TOKEN", "")
# The largest upload accepted, in bytes (the contract's DEALS_MAX_UPLOAD_BYTES, 2 GiB by default).
DEALS_MAX_UPLOAD_BYTES = env_int("DEALS_MAX_UPLOAD_BYTES", 2 * 1024**3)
# Uploads stream side by side and publish one at a time: how long an upload whose file is in its
# table waits for the one publishing before it (attach, refresh: seconds) before it is refused with 409.
DEALS_PUBLISH_WAIT_SECONDS = env_int("DEALS_PUBLISH_WAIT_SECONDS", 60)
# How long any other statement of a load (CREATE, ATTACH, the pointer, the refresh) waits for a lock
# held by someone else (an analyst's LOCK, maintenance) before the upload is refused with 409.
DEALS_PUBLISH_LOCK_TIMEOUT_MS = env_int("DEALS_PUBLISH_LOCK_TIMEOUT_MS", 5000)
# Upload attempts per page of GET /api/uploads/ (a client may ask for up to 500 with ?page_size=).
DEALS_UPLOADS_PAGE_SIZE = env_int("DEALS_UPLOADS_PAGE_SIZE", 20)
# How long dropping an old dataset may wait for a reader (a psql session) before it is retried later.
DEALS_CLEANUP_LOCK_TIMEOUT_MS = env_int("DEALS_CLEANUP_LOCK_TIMEOUT_MS", 200)

# The report cache (deals/report/cache.py). Entries are keyed by dataset version, so any cache is
# correct: Redis (REDIS_URL) shares one rendering between all workers; without it each process
# keeps its own. Short socket timeouts: a dead Redis must not stall a GET (it then reads PostgreSQL).
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
REDIS_TIMEOUT_SECONDS = env_int("REDIS_TIMEOUT_MS", 250) / 1000
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "deals-report")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": CACHE_KEY_PREFIX}}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.MultiPartParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "deals.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# OpenAPI schema at /api/schema/, Swagger UI at /api/docs/ with its files from
# drf-spectacular-sidecar, so the docs work without reaching any other host.
SPECTACULAR_SETTINGS = {
    "TITLE": "deals-report API",
    "DESCRIPTION": "Upload a deals.csv; read the five biggest spenders and the gems they share.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,  # a separate request component, so the upload is a binary file
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise fetch a validity badge from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# django-pgviews-redux: compare the stored view SQL with ours on migrate, rebuild only if changed.
MATERIALIZED_VIEWS_CHECK_SQL_CHANGED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
