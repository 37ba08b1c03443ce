"""Records left `running` by a process that is gone are marked `interrupted`; live ones are not.

A record names the backend (pid and start time) of the connection that inserted it; a process that
dies takes its connections with it, so the backend's absence from pg_stat_activity is the test.
"""

from contextlib import closing

import pytest

from deals import messages
from deals.models import Upload
from deals.uploads.reaper import uploads_reap
from tests.live_server import wait_until
from tests.support import psql_session

pytestmark = pytest.mark.django_db(transaction=True)


def record_attempt(session, name: str) -> int:
    """Insert a `running` record the way the service does, from `session`'s backend."""
    with session.cursor() as cursor:
        cursor.execute("INSERT INTO uploads (file_name) VALUES (%s) RETURNING id", [name])
        return cursor.fetchone()[0]


def backend_alive(pid: int) -> bool:
    with closing(psql_session(autocommit=True)) as observer, observer.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 1


def test_a_record_names_the_backend_that_inserted_it():
    with closing(psql_session(autocommit=True)) as session:
        upload = Upload.objects.get(pk=record_attempt(session, "deals.csv"))
        assert upload.backend_pid == session.get_backend_pid()
        assert upload.backend_start is not None


def test_a_running_record_whose_backend_is_gone_is_marked_interrupted_and_a_live_one_is_not():
    with closing(psql_session(autocommit=True)) as alive:
        dead = psql_session(autocommit=True)
        dead_pid, dead_id = dead.get_backend_pid(), record_attempt(dead, "dead.csv")
        alive_id = record_attempt(alive, "alive.csv")
        dead.close()  # as when its process is killed: the connection goes, the backend ends
        wait_until(lambda: not backend_alive(dead_pid), "the dead session's backend to end")
        assert uploads_reap() == [dead_id]
        interrupted = Upload.objects.get(pk=dead_id)
        assert (interrupted.status, interrupted.error) == ("interrupted", messages.PROCESS_GONE)
        assert interrupted.finished_at is not None
        assert Upload.objects.get(pk=alive_id).status == "running"
        assert uploads_reap() == []  # nothing twice


def test_finished_records_are_never_touched():
    with closing(psql_session(autocommit=True)) as session:
        upload_id = record_attempt(session, "done.csv")
        Upload.objects.filter(pk=upload_id).update(status="failed", error="line 2: bad")
    assert uploads_reap() == []
    assert Upload.objects.get(pk=upload_id).error == "line 2: bad"
