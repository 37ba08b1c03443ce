"""The analysts' read-only group role (`deals_reader`): created by a migration when it may be,
granted its read access after every migrate.

Roles belong to the whole PostgreSQL cluster, grants to one database: the role is created once
(or by a superuser, when the migrating role may not create roles: the migration then logs the SQL
to run), and every database's `migrate` grants it what that database documents.
"""

import logging

from deals.driver import pgsql
from deals.sql import compose_sql, read_sql

READER_ROLE = "deals_reader"

logger = logging.getLogger("deals.migrations")


def reader_role_ensure(cursor, *, role: str = READER_ROLE) -> str | None:
    """Create the group role if it is missing and we may; else the notice saying what to run (logged)."""
    cursor.execute(read_sql("access/reader_role_state"), {"role": role})
    role_exists, may_create, migrating_role, _ = cursor.fetchone()
    if role_exists:
        return None
    if may_create:
        cursor.execute(compose_sql("access/reader_role_create", role=pgsql.Identifier(role)))
        return None
    notice = reader_role_notice(role=role, migrating_role=migrating_role)
    logger.warning("%s", notice)
    return notice


def reader_role_notice(*, role: str, migrating_role: str) -> str:
    return (
        f"the read-only role {role} for analysts does not exist, and {migrating_role} may not create "
        f"roles. As a superuser, run:\n    CREATE ROLE {role} NOLOGIN;\n"
        f"then run `python manage.py migrate` again: it grants {role} read access every time it runs."
    )


def reader_grants(cursor, *, role: str = READER_ROLE) -> bool:
    """Grant the role read access to what this database documents, if the role and the views exist."""
    cursor.execute(read_sql("access/reader_role_state"), {"role": role})
    role_exists, _, owner, views_ready = cursor.fetchone()
    if not (role_exists and views_ready):
        return False
    cursor.execute(compose_sql("access/reader_grants", reader=pgsql.Identifier(role), owner=pgsql.Identifier(owner)))
    return True
