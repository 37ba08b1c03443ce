"""`python -m core.embedded_postgres psql|url|stop|status`: the embedded server from a shell.

(`watch` is the server's watchdog, started with it; it forks into a session of its own and returns.)

psql keeps the server up while it runs (it counts as a user); `stop` stops it whoever uses it (for
a server left behind by a killed process); `url` prints the libpq URL of the service's database.
"""

import os
import signal
import subprocess
import sys

from core import embedded_postgres


def main(argv: list[str]) -> int:
    command, *args = argv or ["status"]
    if command == "psql":
        embedded_postgres.attach()
        # Ctrl-C belongs to psql (it cancels the query); this process just waits for it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return subprocess.run([str(embedded_postgres.psql_path()), embedded_postgres.url(), *args]).returncode
    if command == "url":
        print(embedded_postgres.url())
        return 0
    if command == "stop":
        with embedded_postgres.start_lock():
            embedded_postgres.stop()
        return 0
    if command == "watch":
        if os.fork():
            return 0  # the starter waits for this: the watchdog itself is the child
        os.setsid()
        embedded_postgres.watch()
        return 0
    if command == "status":
        state = "running" if embedded_postgres.running() else "stopped"
        print(f"embedded PostgreSQL in {embedded_postgres.PGDATA}: {state}")
        return 0
    print(f"usage: python -m core.embedded_postgres psql|url|stop|status (not {command!r})", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
