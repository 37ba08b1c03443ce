"""DEALS_UPLOAD_RATE: uploads per client address, counted in the shared cache (the real Redis) by
every worker together; over it, 429 with Retry-After, recorded, nothing changed. Reading is never
limited."""

import logging
import uuid

import pytest
import redis

from deals import messages
from deals.models import Upload
from tests.live_server import Gunicorn, database_url, delete_cache_entries
from tests.support import REDIS_URL, csv_of, post_csv, report

pytestmark = pytest.mark.django_db

HOUR = 3600


def alice(n: int) -> bytes:
    return csv_of(("alice", "Ruby", n))


@pytest.fixture
def two_an_hour(settings, redis_cache):
    settings.DEALS_UPLOAD_RATE = "2/hour"


def test_over_the_rate_an_upload_gets_429_with_retry_after_and_changes_nothing(client, two_an_hour):
    assert post_csv(client, alice(1)).status_code == 200
    assert post_csv(client, alice(2)).status_code == 200
    response = post_csv(client, alice(3))
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= HOUR
    assert response.json() == {"Status": "Error", "Desc": messages.too_many_uploads("2/hour", retry_after)}
    assert report(client) == [{"username": "alice", "spent_money": 2, "gems": []}]


def test_the_refused_upload_is_recorded_with_what_the_client_was_told(client, two_an_hour):
    post_csv(client, alice(1))
    post_csv(client, alice(2))
    response = post_csv(client, alice(3))
    refused = Upload.objects.latest("id")
    assert (refused.status, refused.error) == ("failed", response.json()["Desc"])


def test_reading_is_neither_limited_nor_counted(client, two_an_hour):
    for _ in range(5):
        assert client.get("/api/deals/").status_code == 200
    assert post_csv(client, alice(1)).status_code == 200
    assert post_csv(client, alice(2)).status_code == 200
    assert post_csv(client, alice(3)).status_code == 429
    for _ in range(5):
        assert client.get("/api/deals/").status_code == 200
        assert client.get("/api/uploads/").status_code == 200


def test_each_client_address_has_its_own_count(client, two_an_hour):
    for n in range(2):
        assert post_csv(client, alice(n), REMOTE_ADDR="192.0.2.1").status_code == 200
    assert post_csv(client, alice(3), REMOTE_ADDR="192.0.2.1").status_code == 429
    assert post_csv(client, alice(4), REMOTE_ADDR="192.0.2.2").status_code == 200


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, two_an_hour):
    # DEALS_TRUSTED_PROXIES=0 (no proxy): a client cannot escape its count by naming another address.
    for n, claimed in enumerate(["198.51.100.1", "198.51.100.2", "198.51.100.3"]):
        status = post_csv(client, alice(n), REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=claimed).status_code
        assert status == (429 if n == 2 else 200)


def test_behind_a_trusted_proxy_the_address_it_saw_counts(client, two_an_hour, settings):
    # DEALS_TRUSTED_PROXIES=1: every request comes from the proxy; it sets X-Forwarded-For to the
    # address it saw, after whatever the client sent, and that last entry is the client.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    for n, forwarded in enumerate(["203.0.113.1", "forged, 203.0.113.1", "203.0.113.1"]):
        status = post_csv(client, alice(n), HTTP_X_FORWARDED_FOR=forwarded, **proxy).status_code
        assert status == (429 if n == 2 else 200)
    assert post_csv(client, alice(9), HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy).status_code == 200


def test_an_empty_rate_means_no_limit(client, settings, redis_cache):
    settings.DEALS_UPLOAD_RATE = ""
    for n in range(5):
        assert post_csv(client, alice(n)).status_code == 200


def test_with_the_cache_down_uploads_go_on_unlimited_and_it_is_logged(client, settings, dead_redis, caplog):
    settings.DEALS_UPLOAD_RATE = "1/hour"
    with caplog.at_level(logging.WARNING, logger="deals.permissions"):
        assert post_csv(client, alice(1)).status_code == 200
        assert post_csv(client, alice(2)).status_code == 200
    assert any("upload rate not checked" in r.getMessage() for r in caplog.records)


@pytest.fixture(scope="module")
def test_database_url(django_db_setup, django_db_blocker) -> str:
    with django_db_blocker.unblock():
        return database_url()


@pytest.mark.server
@pytest.mark.django_db(transaction=True)  # the servers must see (and not wait for) what the test commits
def test_two_servers_sharing_a_redis_count_together(test_database_url, tmp_path, empty_dataset):
    """As two containers (or two workers) of one deployment: uploads to either count against one limit."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    environment = {"DEALS_UPLOAD_RATE": "3/hour"}
    servers = [
        Gunicorn(
            database_url=test_database_url,
            redis_url=REDIS_URL,
            log_path=tmp_path / f"gunicorn-{n}.log",
            workers=1,
            cache_prefix=prefix,
            environment=environment,
        )
        for n in range(2)
    ]
    try:
        statuses = [servers[n % 2].post_csv(alice(n)).status for n in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        keys = redis.Redis.from_url(REDIS_URL).keys(f"{prefix}:*throttle_uploads_*")
        assert len(keys) == 1  # one count, in Redis, for the one client address
    finally:
        for server in servers:
            server.stop()
        delete_cache_entries(REDIS_URL, prefix)
