-- name: by_load_ready
-- Why: the per-load report is built on migration 0007's views; after `migrate deals 0006` (or
-- before 0007 has run) django-pgviews still syncs the report, and there is nothing to build on.
SELECT to_regclass('kept_loads') IS NOT NULL
