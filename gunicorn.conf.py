"""gunicorn settings for deals-report, read from the environment (see README, "Configuration")."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 (container)
wsgi_app = "core.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A multi-gigabyte upload is one long request: the worker heartbeat runs in its own thread under
# gthread, so `timeout` does not cut it; `graceful_timeout` lets an upload finish on reload.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 600))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's control socket defaults to one shared path per user ($HOME/.gunicorn/gunicorn.ctl), so
# several servers on one machine (tests, a container without a writable HOME) would fight over it.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
