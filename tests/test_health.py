"""GET /healthz: 200 while PostgreSQL answers, 503 when it does not; Redis is reported, never fatal."""

import os

import pytest
from django.test import override_settings

from tests.live_server import Gunicorn, free_port

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


@pytest.mark.server
def test_503_from_a_real_server_whose_database_is_down(tmp_path):
    """gunicorn with the project's config, its DATABASE_URL on a port where no PostgreSQL listens."""
    dead_database = f"postgres://postgres@127.0.0.1:{free_port()}/deals"
    with Gunicorn(
        database_url=dead_database,
        redis_url=REDIS_URL,
        log_path=tmp_path / "gunicorn.log",
        workers=1,
        threads=1,
        ready=("/healthz", 503),
    ) as server:
        answer = server.get("/healthz")
    assert answer.status == 503
    assert answer.body == b'{"status": "unavailable", "database": "unreachable", "redis": "ok"}'
