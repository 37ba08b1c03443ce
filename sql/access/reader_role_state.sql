-- name: reader_role_state
-- Why: the migration creates the analysts' group role only when it does not exist yet and the
-- migrating role may create roles (a superuser, or CREATEROLE); otherwise it says what to run.
-- Grants wait until the views they name exist (after migration 0007 and the report's sync).
SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = %(role)s) AS role_exists,
       (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) AS may_create,
       current_user AS migrating_role,
       to_regclass('top_customers_by_load') IS NOT NULL AS views_ready
