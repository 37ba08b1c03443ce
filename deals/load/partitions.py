"""The tables of deal_rows: one per load, named for it; what cleanup may drop and who still reads it.

Each function runs one named statement of sql/load/ on a cursor it is given: cleanup runs them on
a connection of its own in autocommit (DETACH ... CONCURRENTLY cannot run in a transaction), the
loader reads the bound's figures in its own transaction.
"""

from dataclasses import dataclass
from datetime import datetime

from deals.driver import pgsql
from deals.sql import compose_sql, read_sql


def staging_table_name(load_id: int) -> str:
    return f"deal_rows_{load_id}"


@dataclass(frozen=True)
class StalePartition:
    name: str
    pending: bool  # an earlier DETACH ... CONCURRENTLY was interrupted: FINALIZE it
    retired_xid: str | None  # the transaction that retired it; None when unknown


@dataclass(frozen=True)
class Holder:
    """A session that keeps an old load alive: by an old snapshot or by a lock."""

    pid: int
    application_name: str
    user: str
    state: str | None
    xact_start: datetime | None

    def __str__(self) -> str:
        since = f" since {self.xact_start:%Y-%m-%d %H:%M:%S %Z}" if self.xact_start else ""
        return (
            f'session pid {self.pid} (application "{self.application_name}", user "{self.user}", '
            f"{self.state or 'in a transaction'}{since})"
        )


def stale_partitions(cursor, *, keep: int) -> list[StalePartition]:
    cursor.execute(read_sql("load/stale_partitions"), {"keep": keep})
    return [StalePartition(name, pending, xid) for name, pending, xid in cursor.fetchall()]


def holders(cursor, stale: StalePartition, *, with_locks: bool) -> list[Holder]:
    """Sessions whose snapshot may still read `stale` (and, with_locks, those locking it), oldest first."""
    cursor.execute(
        read_sql("load/snapshot_holders"),
        {"retired_xid": stale.retired_xid, "with_locks": with_locks, "partition": stale.name},
    )
    return [Holder(*row) for row in cursor.fetchall()]


def in_use(cursor, table: str) -> bool:
    """True when another session holds a lock on `table` (cleanup then leaves it for later)."""
    cursor.execute(read_sql("load/table_in_use"), {"table": table})
    return cursor.fetchone()[0]


def detach(cursor, stale: StalePartition) -> None:
    name = "load/partition_finalize" if stale.pending else "load/partition_detach"
    cursor.execute(compose_sql(name, partition=pgsql.Identifier(stale.name)))


def drop(cursor, table: str) -> None:
    cursor.execute(compose_sql("load/table_drop", table=pgsql.Identifier(table)))


def orphan_tables(cursor) -> list[tuple[str, int]]:
    """(table, load id) of load tables outside deal_rows: detached ones, or a crashed load's."""
    cursor.execute(read_sql("load/orphan_tables"))
    return cursor.fetchall()


def load_owned(cursor, load_id: int) -> bool:
    """True when a running load holds `load_id`; otherwise this transaction now holds it."""
    cursor.execute(read_sql("load/load_owner_try"), {"load_id": load_id})
    return not cursor.fetchone()[0]


def stored_loads(cursor) -> int:
    cursor.execute(read_sql("load/stored_loads"))
    return cursor.fetchone()[0]


def stream_table_name(load_id: int, stream: int) -> str:
    """The table COPY stream `stream` of load `load_id` fills; a sub-partition of the load's once published."""
    return f"{staging_table_name(load_id)}_s{stream}"
