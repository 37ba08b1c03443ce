-- name: database_exists
-- Why: `manage.py createdb` and the embedded server's first start create the service's database
-- only when it is missing, and CREATE DATABASE has no IF NOT EXISTS: a row back means it exists.
SELECT 1 FROM pg_database WHERE datname = %s
