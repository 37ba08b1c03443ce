"""gunicorn settings for deals-report, read from the environment (see README, "Configuration").

gthread: each worker process serves GUNICORN_THREADS requests at once, so GETs keep being answered
while a thread streams a multi-gigabyte upload into PostgreSQL (which waits on I/O, not the GIL).
"""

import os


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 (container)
wsgi_app = "core.wsgi:application"
worker_class = "gthread"
# One process per core (the GIL caps a process at one core), a few threads each to overlap waits.
workers = int(os.environ.get("WEB_CONCURRENCY") or cores())
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# A multi-gigabyte upload is one long request: under gthread the worker's heartbeat runs in its own
# thread, so `timeout` only catches a worker that is stuck, never a long upload; `graceful_timeout`
# lets an upload in progress finish on reload or shutdown.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 600)
keepalive = 5
# gunicorn's default control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl): a second
# server on the same host would take it over. Off unless a path is given.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
# The default format plus the time taken, in milliseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker) -> None:
    """Each worker sweeps old loads in the background (deals/load/cleanup.py), so a partition a
    reader held is dropped soon after that reader ends, not only at the next upload."""
    from deals.load.cleanup import sweeper_start

    sweeper_start()
