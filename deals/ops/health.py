"""GET /healthz: is the service able to answer? PostgreSQL decides; Redis is only reported.

A plain Django view (no DRF negotiation): orchestrators call it every few seconds.
"""

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import JsonResponse

from deals.sql import read_sql


def database_answers(alias: str = DEFAULT_DB_ALIAS) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(read_sql("ops/database_answers"))
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def redis_state(url: str) -> str:
    if not url:
        return "not configured"
    timeout = settings.REDIS_TIMEOUT_SECONDS
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
        return "ok"
    except redis.RedisError:
        return "unreachable"
    finally:
        client.close()


def healthz(request) -> JsonResponse:
    database_ok = database_answers()
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": "ok" if database_ok else "unreachable",
        "redis": redis_state(settings.REDIS_URL),
    }
    return JsonResponse(body, status=200 if database_ok else 503)
