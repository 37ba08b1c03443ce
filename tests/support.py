"""Helpers the tests import: CSV builders, the sample's answer, and views of the database.

Kept apart from conftest.py (which only holds fixtures): pytest advises against importing from it.
"""

import os
from contextlib import closing, contextmanager
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from deals import driver
from deals.sql import read_sql

DATA = Path(__file__).parent / "data"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
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


def post_csv(client: APIClient, content: bytes, name: str = "deals.csv", content_type: str = "text/csv", **extra):
    """POST `content` as the form's `deals` file; `extra` are WSGI environ keys (HTTP_ORIGIN=..., REMOTE_ADDR=...)."""
    upload = SimpleUploadedFile(name, content, content_type)
    return client.post("/api/deals/", {"deals": upload}, format="multipart", **extra)


def report(client: APIClient) -> list[dict]:
    response = client.get("/api/deals/")
    assert response.status_code == 200
    return response.json()["response"]


def query(sql: str, params=()) -> list[tuple]:
    """Run `sql` on the test's own connection (as the migrating superuser); its rows, if any."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def columns_of(table: str) -> list[str]:
    """The table's columns in their physical order (attnum): what a row of it stores, and in which order."""
    rows = query(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
        " ORDER BY attnum",
        [table],
    )
    return [name for (name,) in rows]


def psql_session(*, autocommit: bool = False):
    """A second session on the test database, as an analyst's psql would be."""
    session = driver.connect(connection.get_connection_params())
    session.autocommit = autocommit  # pg_stat_activity is a snapshot per transaction
    return session


def staging_tables() -> list[str]:
    """The loads' tables: each load's partition (its streams' tables under it are not listed), and any
    load table outside deal_rows (a stream's table left behind would be one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname ~ '^deal_rows_[0-9]+' AND relkind IN ('r', 'p')"
            " AND (NOT relispartition OR EXISTS (SELECT FROM pg_inherits"
            " WHERE inhrelid = pg_class.oid AND inhparent = 'deal_rows'::regclass))"
        )
        return sorted(name for (name,) in cursor.fetchall())


def drop_all_loads() -> None:
    """Forget every load: its table (attached or not, with what is under it) and its publication."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM published_loads")
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname ~ '^deal_rows_[0-9]+' AND relkind IN ('r', 'p')"
            " AND (NOT relispartition OR relname IN (SELECT inhrelid::regclass::text FROM pg_inherits"
            " WHERE inhparent = 'deal_rows'::regclass))"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


def put_csv(client: APIClient, content: bytes, path: str = "/api/deals/", **headers):
    """The file itself as the body of a PUT, as `curl -T deals.csv URL` sends it (no Content-Type)."""
    return client.generic("PUT", path, content, content_type="", **headers)


def post_raw_csv(client: APIClient, content: bytes, content_type: str = "text/csv", **headers):
    """The file itself as the body of a POST: curl --data-binary @deals.csv -H 'Content-Type: ...'."""
    return client.generic("POST", "/api/deals/", content, content_type=content_type, **headers)


def upload_statuses() -> list[tuple[str, str]]:
    """(status, error) of every recorded upload attempt, oldest first, as committed."""
    return [(status, error) for status, _, error in recorded_answers()]


def recorded_answers() -> list[tuple[str, int | None, str]]:
    """(status, HTTP status, error) of every recorded upload attempt, oldest first, as committed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, http_status, error FROM uploads ORDER BY id")
        return cursor.fetchall()


def idle_in_transaction_backends() -> int:
    """Sessions on this database left idle inside a transaction (a load that never ended would be one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchone()[0]


def redis_cache_settings(url: str, prefix: str) -> dict:
    """CACHES for the Redis at `url`, every key under `prefix`, with the service's short timeouts."""
    options = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
    backend = "django.core.cache.backends.redis.RedisCache"
    return {"default": {"BACKEND": backend, "LOCATION": url, "KEY_PREFIX": prefix, "OPTIONS": options}}


@contextmanager
def publishing_blocked():
    """A psql session holding the publish lock, so that a load whose file is stored (COPY done) waits
    to publish until the block ends (at most DEALS_PUBLISH_WAIT_SECONDS)."""
    with closing(psql_session()) as session, session.cursor() as cursor:
        cursor.execute(read_sql("load/publish_lock"))
        yield
        session.rollback()
