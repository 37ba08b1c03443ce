"""Shared fixtures: an API client, the sample file, and a clean dataset for tests that commit.

Helpers that tests import live in tests/support.py.
"""

import uuid
from contextlib import closing

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from deals import driver
from deals.load.cleanup import Sweep, orphans_drop
from deals.models import TopCustomer
from tests.live_server import delete_cache_entries, free_port
from tests.support import DATA, REDIS_URL, drop_all_loads, redis_cache_settings


@pytest.fixture(autouse=True)
def no_upload_rate(settings):
    """The suite uploads far more often than DEALS_UPLOAD_RATE's default allows; tests of the limit set one."""
    settings.DEALS_UPLOAD_RATE = ""


@pytest.fixture(autouse=True)
def no_stray_stream_tables(request, django_db_blocker):
    """A load inside a test's transaction commits its COPY streams' tables, then the test rolls the load
    back: before each test, drop such tables, as the cleanup sweep would, so none is seen as stray."""
    if request.node.get_closest_marker("django_db") is None:
        return
    with django_db_blocker.unblock(), closing(driver.connect(connection.get_connection_params())) as session:
        session.autocommit = True
        orphans_drop(session, Sweep())


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def sample_csv() -> bytes:
    return (DATA / "deals.csv").read_bytes()


@pytest.fixture
def empty_dataset(django_db_blocker):
    """For tests that commit: start and end with no dataset (flush does not know our tables)."""

    def reset():
        with django_db_blocker.unblock():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE dataset SET live_load = NULL, published_at = NULL")
            TopCustomer.refresh()
            drop_all_loads()

    reset()
    yield
    reset()


@pytest.fixture
def redis_cache(settings):
    """The real Redis as Django's cache, under a key prefix of this test's own (removed afterwards)."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = redis_cache_settings(REDIS_URL, prefix)
    yield cache
    delete_cache_entries(REDIS_URL, prefix)


@pytest.fixture
def dead_redis(settings):
    """A Redis URL where nothing listens, as Django's cache."""
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{free_port()}/0", "test")
