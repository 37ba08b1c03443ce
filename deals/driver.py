"""psycopg2, in one place: everything the service asks of the driver beyond Django's cursor.

COPY from a file object, the driver's own error behind Django's, cancelling a running statement,
statements prepared once per connection, a connection of our own, and safe composition of
generated identifiers. Nothing else imports psycopg2, so moving to another driver (psycopg 3)
changes this module only.
"""

import weakref
from typing import BinaryIO

import psycopg2
from psycopg2 import errorcodes
from psycopg2 import sql as pgsql

Error = psycopg2.Error
OperationalError = psycopg2.OperationalError
InterfaceError = psycopg2.InterfaceError
__all__ = ["Error", "InterfaceError", "OperationalError", "errorcodes", "pgsql"]

_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection -> names it has prepared


def pg_error(error: BaseException) -> BaseException:
    """psycopg2's own error, which Django wraps in its DatabaseError (as __cause__)."""
    while not isinstance(error, Error) and error.__cause__ is not None:
        error = error.__cause__
    return error


def pgcode(error: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE behind `error`, if the server sent one."""
    return getattr(pg_error(error), "pgcode", None)


def connect(params: dict):
    """A connection of our own, with Django's connection parameters (for side work: progress, admin)."""
    params = dict(params)
    params.pop("cursor_factory", None)
    return psycopg2.connect(**params)


def copy_in(raw_cursor, statement: pgsql.Composable, file: BinaryIO, *, chunk_bytes: int) -> int:
    """`COPY ... FROM STDIN` on psycopg2's own cursor (of connect(), or a Django cursor's `.cursor`); the row count.

    psycopg2 releases the GIL while it sends, so COPYs on several connections run side by side. If
    `file.read()` raises, psycopg2 ends the COPY with CopyFail: the server rolls the statement back.
    """
    raw_cursor.copy_expert(statement.as_string(raw_cursor), file, size=chunk_bytes)
    return raw_cursor.rowcount


def cancel(connection) -> None:
    """Cancel the statement running on a Django connection (from another thread), if it is open."""
    if connection.connection is not None:
        connection.connection.cancel()


def execute_prepared(connection, name: str, statement: str) -> tuple:
    """The first row of `statement`, prepared once per database connection under `name`.

    Runs on psycopg2's own cursor, without Django's per-request health check of a reused
    connection; Django's error wrapping still applies.
    """
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors, raw.cursor() as cursor:
        names = _prepared.setdefault(raw, set())
        if name not in names:
            cursor.execute(pgsql.SQL("PREPARE {} AS ").format(pgsql.Identifier(name)) + pgsql.SQL(statement))
            names.add(name)
        cursor.execute(pgsql.SQL("EXECUTE {}").format(pgsql.Identifier(name)))
        return cursor.fetchone()
