"""The partitions of deal_rows: one per load, named for it; those no longer live are dropped."""

import logging

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from deals.driver import errorcodes, pgcode, pgsql
from deals.sql import compose_sql, read_sql

logger = logging.getLogger("deals.loader")  # the name operators know; kept when the module moved


def staging_table_name(load_id: int) -> str:
    return f"deal_rows_{load_id}"


def drop_stale_partitions() -> list[str]:
    """Drop the partitions of loads that are no longer live; return those still held by readers.

    Each drop is its own short transaction with a lock timeout: a long query in psql that still
    reads an old partition makes us skip it (the next load retries), never wait or fail.
    """
    kept = []
    with connection.cursor() as cursor:
        cursor.execute(read_sql("load/stale_partitions"))
        stale = [name for (name,) in cursor.fetchall()]
    for name in stale:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    read_sql("load/lock_timeout"), {"timeout": f"{settings.DEALS_CLEANUP_LOCK_TIMEOUT_MS}ms"}
                )
                cursor.execute(compose_sql("load/partition_drop", partition=pgsql.Identifier(name)))
        except DatabaseError as error:
            code = pgcode(error)
            if code == errorcodes.UNDEFINED_TABLE:
                continue  # a load that committed at the same time dropped it first
            kept.append(name)
            if code == errorcodes.LOCK_NOT_AVAILABLE:
                logger.info("old partition %s is still being read; a later load drops it", name)
            else:  # the upload has committed: report, do not fail it
                logger.warning("could not drop old partition %s: %s", name, str(error).strip())
    return kept
