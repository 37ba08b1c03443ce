"""Cleanup of old loads that never changes what a reader sees, retried in the background, bounded.

A load's partition stops being needed when it falls out of the DEALS_KEEP_LOADS most recent
publications. It is dropped only when no open snapshot can still see it as kept (a REPEATABLE READ
transaction older than the publication that retired it would otherwise find it gone: an empty
`deals`, silently), then detached CONCURRENTLY (readers of `deals` never wait; it waits for the
sessions that lock deal_rows, at most lock_timeout, and is finished by FINALIZE on a later pass),
then dropped with everything under it. Tables a crashed load left are dropped too.

Passes run after each load, in a load that finds the bound reached, and every
DEALS_CLEANUP_INTERVAL_SECONDS in a daemon thread of each gunicorn worker; one at a time
(an advisory lock), every statement bounded. When old loads cannot go, stored loads may reach
DEALS_KEEP_LOADS + DEALS_MAX_STALE_LOADS: further uploads are then refused (503, Retry-After),
naming the session that holds the oldest one.
"""

import logging
import signal
import threading
import time
from contextlib import closing
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from deals import messages
from deals.driver import Error as PgError
from deals.driver import connect, errorcodes, pgcode
from deals.errors import Failure, UploadError
from deals.load import partitions
from deals.sql import read_sql

logger = logging.getLogger("deals.loader")  # the name operators know for the loader's work

STATEMENT_TIMEOUT = "60s"  # a backstop for the catalog reads and the drop itself; locks wait far less
READER_POLL_SECONDS = 0.01  # how often a pass looks again at readers still running a statement


@dataclass
class Sweep:
    """What one pass did: tables dropped, and old partitions kept because someone still holds them."""

    ran: bool = True  # False when another pass was running
    dropped: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # partition -> why it stays


def loads_sweep() -> Sweep:
    """One pass of cleanup on a connection of its own; never raises for what it could not drop."""
    with closing(connect(connection.get_connection_params())) as conn:
        conn.autocommit = True
        cursor = conn.cursor()
        cursor.execute(
            read_sql("load/session_timeouts"),
            {"lock_timeout": f"{settings.DEALS_CLEANUP_LOCK_TIMEOUT_MS}ms", "statement_timeout": STATEMENT_TIMEOUT},
        )
        try:
            cursor.execute(read_sql("load/cleanup_lock"))
        except PgError as error:
            if pgcode(error) == errorcodes.LOCK_NOT_AVAILABLE:
                return Sweep(ran=False)  # another pass is running; the next one catches up
            raise
        sweep = Sweep()
        stale_drop(cursor, sweep)
        orphans_drop(conn, sweep)
    for name, why in sweep.held.items():
        logger.info("old load %s is kept for now: %s", name, why)
    return sweep


def stale_drop(cursor, sweep: Sweep) -> None:
    """Detach and drop, oldest first, the partitions no snapshot can still need."""
    for stale in partitions.stale_partitions(cursor, keep=settings.DEALS_KEEP_LOADS):
        readers = readers_left(cursor, stale)
        if readers:
            sweep.held[stale.name] = f"a snapshot older than its retirement is open in {readers[0]}"
            continue
        if partitions.in_use(cursor, stale.name):
            sweep.held[stale.name] = "a session holds a lock on it"
            if stale.pending:
                break  # deal_rows can have only one partition pending: nothing else can be detached
            continue
        try:
            partitions.detach(cursor, stale)
        except PgError as error:
            if pgcode(error) == errorcodes.UNDEFINED_TABLE:
                continue  # another pass (or a person) got there first
            sweep.held[stale.name] = f"could not detach it: {str(error).strip()}"
            # Interrupted, it is now pending, and deal_rows can have only one partition pending.
            break
        table_drop(cursor, stale.name, sweep)


def readers_left(cursor, stale: partitions.StalePartition) -> list[partitions.Holder]:
    """The sessions whose snapshot may still need `stale`, after waiting (at most lock_timeout) for
    those only running a statement: a report read in flight ends in milliseconds, while a session
    idle in its transaction keeps its snapshot until it ends."""
    deadline = time.monotonic() + settings.DEALS_CLEANUP_LOCK_TIMEOUT_MS / 1000
    readers = partitions.holders(cursor, stale, with_locks=False)
    while readers and all(reader.state == "active" for reader in readers) and time.monotonic() < deadline:
        time.sleep(READER_POLL_SECONDS)
        readers = partitions.holders(cursor, stale, with_locks=False)
    return readers


def orphans_drop(conn, sweep: Sweep) -> None:
    """Drop load tables outside deal_rows whose load is not running (its owner lock is free)."""
    conn.autocommit = False
    try:
        cursor = conn.cursor()
        for table, load_id in partitions.orphan_tables(cursor):
            if not partitions.load_owned(cursor, load_id) and table_drop(cursor, table, sweep):
                conn.commit()  # also releases the owner lock taken for it
            else:
                conn.rollback()
    except PgError as error:
        logger.warning("could not list the tables left by earlier loads: %s", str(error).strip())
    finally:
        conn.rollback()  # ends the listing's transaction
        conn.autocommit = True


def table_drop(cursor, table: str, sweep: Sweep) -> bool:
    if partitions.in_use(cursor, table):
        sweep.held[table] = "a session holds a lock on it"
        return False
    try:
        partitions.drop(cursor, table)
    except PgError as error:  # still read directly (psql): a later pass drops it
        sweep.held[table] = f"could not drop it: {str(error).strip()}"
        return False
    sweep.dropped.append(table)
    return True


def room_bound() -> int:
    """How many loads' tables may exist at most: the kept ones and the old ones waiting for readers."""
    return settings.DEALS_KEEP_LOADS + settings.DEALS_MAX_STALE_LOADS


def room_check(cursor) -> None:
    """In the load's transaction, before it has touched deal_rows (not under the publish lock): at the
    bound, a cleanup pass on its own connection first; refuse the load if sessions still hold the
    old loads. If nobody does (the one that did has just ended, or the loads are this very
    transaction's, as in a Django TestCase), the load goes on and the pass after it drops them."""
    if partitions.stored_loads(cursor) < room_bound():
        return
    try:
        loads_sweep()
    except PgError as error:  # then the count below decides
        logger.warning("could not clean up old loads before a load: %s", str(error).strip())
    stored = partitions.stored_loads(cursor)
    if stored < room_bound():
        return
    holder = room_holder(cursor)
    if holder is None:
        logger.warning(
            "%s loads stored, over the bound, but nobody holds the old ones: the next pass drops them", stored
        )
        return
    raise UploadError(
        messages.no_room(stored=stored, holder=str(holder)),
        Failure.NO_ROOM,
        retry_after=settings.DEALS_CLEANUP_INTERVAL_SECONDS,  # when the next background pass runs
    )


def room_holder(cursor) -> partitions.Holder | None:
    """The oldest session that keeps an old load from going (by its snapshot or a lock), if any."""
    for stale in partitions.stale_partitions(cursor, keep=settings.DEALS_KEEP_LOADS):
        found = partitions.holders(cursor, stale, with_locks=True)
        if found:
            return found[0]
    return None


class Sweeper(threading.Thread):
    """A worker process's background pass every DEALS_CLEANUP_INTERVAL_SECONDS, so old loads go even
    when no upload comes; a daemon, so it never holds a worker's exit."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="deals-cleanup", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        # gunicorn's signals (INT, QUIT, TERM...) are for the worker's main thread: delivered to this
        # one, they would wait for the main thread's next wake-up, and the worker's exit with them.
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        while not self.stopped.wait(self.interval):
            try:
                loads_sweep()
            except Exception as error:  # a database down now may be up at the next pass
                logger.warning("background cleanup pass failed: %s", str(error).strip())


_sweeper: Sweeper | None = None


def sweeper_start() -> None:
    """Start this process's background cleanup (gunicorn's post_worker_init); once per process."""
    global _sweeper
    if _sweeper is None and settings.DEALS_CLEANUP_INTERVAL_SECONDS > 0:
        _sweeper = Sweeper(settings.DEALS_CLEANUP_INTERVAL_SECONDS)
        _sweeper.start()
