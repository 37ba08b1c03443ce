"""Shared fixtures: an API client, CSV builders, and a clean dataset for tests that commit."""

from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from deals.loader import drop_stale_partitions
from deals.models import TopCustomer

DATA = Path(__file__).parent / "data"
HEADER = "customer,item,total,quantity,date"
SAMPLE_ANSWER = [
    {"username": "resplendent", "spent_money": 451731, "gems": ["Рубин", "Сапфир", "Танзанит"]},
    {"username": "bellwether", "spent_money": 217794, "gems": ["Петерсит", "Сапфир"]},
    {"username": "uvulaperfly117", "spent_money": 120419, "gems": ["Петерсит", "Танзанит"]},
    {"username": "braggadocio", "spent_money": 108957, "gems": ["Изумруд"]},
    {"username": "turophile", "spent_money": 100132, "gems": ["Изумруд", "Рубин"]},
]


def csv_of(*deals: tuple, header: str = HEADER, newline: str = "\n") -> bytes:
    """A deals.csv; each deal is (customer, item, total[, quantity[, date]])."""
    lines = [header]
    for deal in deals:
        customer, item, total, *rest = deal
        quantity = rest[0] if rest else 1
        date = rest[1] if len(rest) > 1 else "2018-12-14 08:29:52.506166"
        lines.append(f"{customer},{item},{total},{quantity},{date}")
    return (newline.join(lines) + newline).encode()


def post_csv(client: APIClient, content: bytes, name: str = "deals.csv", content_type: str = "text/csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, content, content_type)
    return client.post("/api/deals/", {"deals": upload}, format="multipart")


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
            drop_stale_partitions()

    reset()
    yield
    reset()


def report(client: APIClient) -> list[dict]:
    response = client.get("/api/deals/")
    assert response.status_code == 200
    return response.json()["response"]


def psql_session(*, autocommit: bool = False):
    """A second session on the test database, as an analyst's psql would be."""
    import psycopg2

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    session = psycopg2.connect(**params)
    session.autocommit = autocommit  # pg_stat_activity is a snapshot per transaction
    return session


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'deal_rows_%%' AND relkind = 'r'")
        return sorted(name for (name,) in cursor.fetchall())
