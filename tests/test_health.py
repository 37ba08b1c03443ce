"""GET /healthz: 200 while PostgreSQL answers, 503 when it does not; Redis is reported, never fatal."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from tests.live_server import free_port

PROJECT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.mark.django_db
def test_healthy_with_postgresql_and_redis(client):
    with override_settings(REDIS_URL=REDIS_URL):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_redis_down_is_reported_but_not_fatal(client):
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "unreachable"}


@pytest.mark.django_db
def test_redis_not_configured(client):
    with override_settings(REDIS_URL=""):
        assert client.get("/healthz").json()["redis"] == "not configured"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.server
def test_503_from_a_real_server_whose_database_is_down():
    """gunicorn with the project's config, its DATABASE_URL on a port where no PostgreSQL listens."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/deals",
        "REDIS_URL": REDIS_URL,
        "DJANGO_SECRET_KEY": "test-only-secret",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                assert server.poll() is None, "gunicorn exited"
                time.sleep(0.1)
        assert status == 503
        assert body == b'{"status": "unavailable", "database": "unreachable", "redis": "ok"}'
    finally:
        server.terminate()
        server.wait(timeout=30)
