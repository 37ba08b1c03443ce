-- name: reader_role_state
-- Why: the migration creates the analysts' group role only when it does not exist yet and the
-- migrating role may create roles (a superuser, or CREATEROLE); otherwise it says what to run.
SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = %(role)s) AS role_exists,
       (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) AS may_create,
       current_user AS migrating_role
