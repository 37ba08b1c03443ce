-- name: staging_analyze
-- Why: the report is refreshed in the same transaction, before autovacuum has seen the new
-- table; without statistics the planner takes `load_id = live_load` to keep 0.5% of the rows and
-- sorts where it should hash (3x slower). Sampling one column is enough to fix that, and cheap.
-- Placeholders (psycopg2.sql): staging.
ANALYZE {staging} (load_id)
