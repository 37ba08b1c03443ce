"""Shared fixtures: an API client, CSV builders, and a clean dataset for tests that commit."""

from collections import defaultdict
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


def post_csv(client: APIClient, content: bytes, name: str = "deals.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/deals/", {"deals": SimpleUploadedFile(name, content, "text/csv")}, format="multipart")


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


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'deal_rows_%%' AND relkind = 'r'")
        return sorted(name for (name,) in cursor.fetchall())


def reference_report(deals: list[tuple[str, str, int]]) -> list[dict]:
    """The contract's report, computed the obvious way in Python: what the SQL must agree with."""
    spent: dict[str, int] = defaultdict(int)
    bought: dict[str, set[str]] = defaultdict(set)
    for customer, item, total in deals:
        spent[customer] += total
        bought[customer].add(item)
    top = sorted(spent, key=lambda customer: (-spent[customer], customer))[:5]
    buyers_in_top = defaultdict(int)
    for customer in top:
        for item in bought[customer]:
            buyers_in_top[item] += 1
    return [
        {
            "username": customer,
            "spent_money": spent[customer],
            "gems": sorted(item for item in bought[customer] if buyers_in_top[item] >= 2),
        }
        for customer in top
    ]
