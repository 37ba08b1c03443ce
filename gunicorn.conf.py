"""gunicorn settings for deals-report, read from the environment (see docs/configuration.md).

gthread: each worker process serves GUNICORN_THREADS requests at once, so GETs keep being answered
while a thread streams a multi-gigabyte upload into PostgreSQL (which waits on I/O, not the GIL).
"""

import ipaddress
import os
import shutil
import sys
import tempfile


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def debug_on() -> bool:
    """DJANGO_DEBUG as core/settings.py reads it."""
    return os.environ.get("DJANGO_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


# Local by default: only this machine reaches the server unless HOST says otherwise (the container
# sets HOST=0.0.0.0). Django's debug pages show settings and code, so DEBUG never leaves the host.
host = os.environ.get("HOST", "").strip() or "127.0.0.1"
if debug_on() and not loopback(host):
    sys.exit(
        f"Refusing to start: DJANGO_DEBUG is on and HOST={host} is reachable from other machines; "
        "Django's debug pages would show them settings and code. Unset DJANGO_DEBUG (and set "
        "DJANGO_SECRET_KEY) to serve beyond this host, or use HOST=127.0.0.1."
    )
bind = f"{host}:{os.environ.get('PORT', '8000')}"
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
# X-Forwarded-Proto and gunicorn's other scheme headers are believed only from these addresses
# (gunicorn's default, made visible here); the compose stack sets "*": there gunicorn is reachable
# only from the stack's containers, and its nginx overwrites those headers on every request.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
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


# Metrics (deals/ops/metrics.py) in prometheus_client's multiprocess mode: each worker writes its
# samples to files in PROMETHEUS_MULTIPROC_DIR and a scrape adds up every worker's. The master
# empties the directory when it starts (a previous run's files would be counted again); without
# the variable it makes a temporary one, which the workers inherit, and removes it when it exits.
def on_starting(server):
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        path = os.environ["PROMETHEUS_MULTIPROC_DIR"] = server.deals_metrics_tmp = tempfile.mkdtemp(
            prefix="deals-metrics-"
        )
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
    server.log.info("metrics of every worker in %s (PROMETHEUS_MULTIPROC_DIR)", path)


def child_exit(server, worker):
    from prometheus_client import multiprocess  # imported once the directory is set

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if getattr(server, "deals_metrics_tmp", None):
        shutil.rmtree(server.deals_metrics_tmp, ignore_errors=True)


def post_worker_init(worker) -> None:
    """Each worker, once Django is loaded, starts its background work: marking `interrupted` the
    upload records of processes that are gone (a worker killed mid-upload), every
    DEALS_REAP_INTERVAL_SECONDS; and sweeping old loads (deals/load/cleanup.py), so a partition a
    reader held is dropped soon after that reader ends, not only at the next upload."""
    from deals.load.cleanup import sweeper_start
    from deals.uploads.reaper import start_reaper

    start_reaper()
    sweeper_start()
