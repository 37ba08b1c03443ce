#!/usr/bin/env bash
# Run once by the official postgres image when it creates its data directory (mounted at
# /docker-entrypoint-initdb.d): a login role for analysts, `analyst` (ANALYST_ROLE), with the
# password ANALYST_PASSWORD, member of the read-only group deals_reader. The web service's
# `migrate` grants that group its read access (docs/psql.md). Without a
# password no login role is created: nobody can log in with an empty one.
set -euo pipefail

role="${ANALYST_ROLE:-analyst}"
# No `exit`: an image that sources this file (one that is not executable) would end its own
# entrypoint there, in the middle of creating the cluster.
if [ -z "${ANALYST_PASSWORD:-}" ]; then
  echo "db-init: ANALYST_PASSWORD is empty: no login role \"$role\" for analysts (see docs/psql.md)" >&2
else
  # psql's :'var' and :"var" quote the values, so no password or name is ever spliced into SQL.
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v role="$role" -v password="$ANALYST_PASSWORD" <<'SQL'
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'deals_reader') AS reader_missing \gset
\if :reader_missing
CREATE ROLE deals_reader NOLOGIN;
\endif
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') AS analyst_missing \gset
\if :analyst_missing
CREATE ROLE :"role" LOGIN IN ROLE deals_reader;
\endif
GRANT deals_reader TO :"role";
ALTER ROLE :"role" PASSWORD :'password';
-- A forgotten open transaction keeps old loads from being dropped (docs/loading.md, "Old loads"): end
-- an analyst's transaction left idle for 15 minutes.
ALTER ROLE :"role" SET idle_in_transaction_session_timeout = '15min';
SQL
  echo "db-init: login role \"$role\" for analysts created (member of deals_reader)"
fi
