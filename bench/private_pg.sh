#!/usr/bin/env bash
# A throw-away PostgreSQL for trying server settings without touching the shared one.
#   bench/private_pg.sh start PORT [-c name=value ...]   # initdb under /tmp on first use, then start
#   bench/private_pg.sh stop PORT
# The data directory is /tmp/deals_bench_pg_PORT, owned by the postgres user (PostgreSQL refuses
# to run as root); connect with postgres://postgres@127.0.0.1:PORT/<db> (trust authentication).
set -euo pipefail

action=${1:?start or stop}
port=${2:?port}
shift 2
bin=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
data=/tmp/deals_bench_pg_$port
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $action in
start)
  if [ ! -d "$data" ]; then
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust --no-instructions >/dev/null
  fi
  options="-p $port -k /tmp -c listen_addresses=127.0.0.1"
  for setting in "$@"; do options+=" $setting"; done
  as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -o "$options" -w start >/dev/null
  echo "started on port $port: $*"
  ;;
stop)
  as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  ;;
*)
  echo "usage: $0 start|stop PORT [-c name=value ...]" >&2
  exit 2
  ;;
esac
