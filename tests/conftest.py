"""Shared fixtures: an API client, the sample file, and a clean dataset for tests that commit.

Helpers that tests import live in tests/support.py.
"""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from deals.models import TopCustomer
from tests.support import DATA, drop_all_loads


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
