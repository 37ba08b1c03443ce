-- name: reader_role_create
-- Why: a group role, not a login: analysts log in as roles of their own that are members of it
-- (the compose stack's `analyst`, docker/db-init/), so access is granted and revoked in one place.
-- Roles belong to the cluster: another database's migrate may create it at the same moment.
-- Placeholders (psycopg2.sql): role.
DO $create$
BEGIN
    CREATE ROLE {role} NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$create$;
COMMENT ON ROLE {role} IS 'deals-report analysts: read-only access to the documented tables and views (docs/psql.md).'
