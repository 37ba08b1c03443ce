# deals-report images, from one file (PostgreSQL, Redis and nginx are other services):
#   runtime (the last stage, so the default): gunicorn serving the Django app; `docker compose up`.
#   test: the same dependencies plus the dev requirements, Debian's Chromium, redis-server, curl, psql, with
#         the whole repository; `docker compose --profile test run --rm test` runs the suite.
FROM python:3.13-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# Dependencies first, in their own layer: a change to the code alone does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt


FROM base AS test
# tests/test_browser.py drives Debian's Chromium (never a browser download); tests/live_server.py
# starts redis-server processes of its own and finds gunicorn's workers with pgrep (procps);
# tests/test_upload_from_pipes.py runs the real curl, and psql for its \copy ... TO STDOUT recipe;
# tests/test_local_run.py runs `make run`.
# Not pinned: Debian's mirror keeps only the current version of each package, so a pin would stop
# the build at the next security update; the suite itself checks what it needs from them.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium redis-server procps curl postgresql-client make \
    && rm -rf /var/lib/apt/lists/*
COPY requirements-dev.txt .
RUN pip install --no-cache-dir -r requirements-dev.txt
COPY . .
# `python -m`: sys.executable is then the interpreter on PATH, the one whose bin holds gunicorn,
# which the server tests start beside it.
CMD ["python", "-m", "pytest"]


FROM base AS runtime
# The code belongs to root and is read-only for the user the service runs as.
COPY . .
# Static files of the browsable API, compressed, for whitenoise. Settings need a secret key to
# load; this one exists only during the build. /var/lib/deals-report holds the secret key that
# docker/entrypoint.sh generates on the first start (compose mounts a volume there, which takes
# this folder's owner and mode when it is created).
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input --verbosity 0 \
    && groupadd --gid 10001 deals \
    && useradd --gid deals --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin deals \
    && install -d -o 10001 -g 10001 -m 700 /var/lib/deals-report
# A path, not a secret: where the generated key is kept (hadolint sees only the name).
# hadolint ignore=DL3064
ENV DJANGO_SECRET_KEY_FILE=/var/lib/deals-report/secret_key

# Numeric, so a runtime can check the container is not root (runAsNonRoot).
USER 10001:10001
EXPOSE 8000
# Healthy when gunicorn answers and PostgreSQL does (/healthz: 503 when the database is down).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['PORT']}/healthz\", timeout=4)"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
