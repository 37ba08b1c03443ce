#!/usr/bin/env bash
# The db service's entrypoint, in front of the postgres image's own (docker-entrypoint.sh), which it
# then becomes. It keeps the superuser's password in DATABASE_PASSWORD_FILE, in the `db-password`
# volume that the web and test services mount read-only; no password lives in the repository:
#   - POSTGRES_PASSWORD set (by the operator): that is the password, written to the file;
#   - unset: generated on the first start (30 random bytes, base64url) and kept.
# The file belongs to DATABASE_PASSWORD_OWNER (the web image's uid:gid), mode 400: the web service
# reads it as that user (core/settings.py), this script and the test service as root. The image's
# entrypoint gets the password as POSTGRES_PASSWORD, since it runs as `postgres`, who may not read
# the file, and sets it when it creates the cluster. A cluster that exists already gets it here,
# before its server starts, so the server always agrees with the file: a volume created with an
# older password (the stack's former fixed default) or before POSTGRES_PASSWORD changed keeps working.
set -euo pipefail

# shellcheck source=docker/keep-secret.sh
. "$(dirname "$0")/keep-secret.sh"

new_password() {
  head -c 30 /dev/urandom | base64 | tr '+/' '-_'
}

operator_password() {
  printf '%s\n' "$POSTGRES_PASSWORD"
}

# ALTER ROLE on a server of its own that listens on a private socket only (nobody else connects
# meanwhile), stopped before the real one starts; as the data folder's owner, the user PostgreSQL
# insists on running as; over the socket, which the image's clusters trust (initdb's default for
# local connections). The password goes through the environment, never a command line.
set_superuser_password() {
  local owner sockets status=0
  owner=$(stat -c %u:%g "$PGDATA")
  sockets=$(gosu "$owner" mktemp -d)
  gosu "$owner" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k $sockets" -w start
  gosu "$owner" psql -X -q -v ON_ERROR_STOP=1 -h "$sockets" -U "${POSTGRES_USER:-postgres}" -d postgres \
    -v role="${POSTGRES_USER:-postgres}" <<'SQL' || status=$?
\getenv password POSTGRES_PASSWORD
ALTER ROLE :"role" PASSWORD :'password';
SQL
  gosu "$owner" pg_ctl -D "$PGDATA" -m fast -w stop
  rmdir "$sockets"
  return "$status"
}

first=${1:-}
if [ "${first:0:1}" = - ]; then
  set -- postgres "$@"
fi

if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
  file=${DATABASE_PASSWORD_FILE:?the file that keeps the database password}
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    [ "$(cat "$file" 2>/dev/null)" = "$POSTGRES_PASSWORD" ] || rm -f "$file"
    keep_secret "$file" password operator_password
  else
    keep_secret "$file" password new_password
  fi
  chown "${DATABASE_PASSWORD_OWNER:?uid:gid of the web service}" "$file"
  chmod 400 "$file"
  POSTGRES_PASSWORD=$(<"$file")
  export POSTGRES_PASSWORD
  if [ -s "$PGDATA/PG_VERSION" ]; then
    echo "entrypoint-db: setting the superuser's password (from $file) on the existing cluster" >&2
    set_superuser_password
  fi
fi

exec docker-entrypoint.sh "$@"
