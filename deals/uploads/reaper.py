"""Repair the history a dead process left behind: `running` records whose process is gone.

A worker killed mid-upload (SIGKILL, OOM, a lost host) leaves its record `running` forever: its
load rolled back with its connection, and nothing is left to write the outcome. Each record names
the PostgreSQL backend that runs it (migration 0006); the sweep marks `interrupted` every
`running` record whose backend is gone (sql/uploads/uploads_reap.sql says why that test is right).

Run at each worker's start and then every DEALS_REAP_INTERVAL_SECONDS (gunicorn.conf.py's
post_worker_init hook starts `start_reaper`), on a connection of the sweeping thread's own,
closed after each sweep so an idle worker holds no extra backend.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection

from deals import messages
from deals.sql import read_sql

logger = logging.getLogger("deals.uploads")  # the history's logger, which operators know


def uploads_reap() -> list[int]:
    """Mark `interrupted` the running records whose backend is gone; their ids."""
    with connection.cursor() as cursor:
        cursor.execute(read_sql("uploads/uploads_reap"), {"error": messages.PROCESS_GONE})
        reaped = [upload_id for (upload_id,) in cursor.fetchall()]
    for upload_id in reaped:
        logger.warning("upload=%s outcome=interrupted error=%r", upload_id, messages.PROCESS_GONE)
    return reaped


def start_reaper() -> threading.Thread:
    """Sweep now, then every DEALS_REAP_INTERVAL_SECONDS (0: only now), in a daemon thread."""
    interval = settings.DEALS_REAP_INTERVAL_SECONDS

    def sweep_forever() -> None:
        while True:
            try:
                uploads_reap()
            except DatabaseError as error:  # the database is away: try again at the next sweep
                logger.warning("could not sweep interrupted uploads: %s", str(error).strip())
            finally:
                connection.close()
            if not interval:
                return
            time.sleep(interval)

    thread = threading.Thread(target=sweep_forever, name="deals-reaper", daemon=True)
    thread.start()
    return thread
