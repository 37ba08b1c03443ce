-- name: copy_rows
-- Why: the rows a running upload's COPY streams have stored so far, PostgreSQL's own count
-- (upload_copy_rows, migrations_sql/0009_upload_progress.sql): the same number GET /api/uploads/
-- shows, read by load_deals for its progress bar. NULL when no COPY is running in them.
SELECT upload_copy_rows(%(pids)s::integer[])
