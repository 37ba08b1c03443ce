# deals-report web image: gunicorn serving the Django app; PostgreSQL and Redis are other services.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# Dependencies first, in their own layer: a change to the code alone does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# The code belongs to root and is read-only for the user the service runs as.
COPY . .
# Static files of the browsable API, compressed, for whitenoise. Settings need a secret key to
# load; this one exists only during the build.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input --verbosity 0 \
    && groupadd --gid 10001 deals \
    && useradd --gid deals --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin deals

# Numeric, so a runtime can check the container is not root (runAsNonRoot).
USER 10001:10001
EXPOSE 8000
# Healthy when gunicorn answers and PostgreSQL does (/healthz: 503 when the database is down).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['PORT']}/healthz\", timeout=4)"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
