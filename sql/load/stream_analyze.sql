-- name: stream_analyze
-- Why: the report is refreshed in the publishing transaction, before autovacuum has seen the new
-- tables; without statistics the planner takes `load_id = live_load` to keep 0.5% of the rows and
-- sorts where it should hash (3x slower). Sampling one column is enough to fix that, and cheap;
-- each stream analyzes its own table on its own connection, so they run side by side.
-- Placeholders (psycopg2.sql): table.
ANALYZE {table} (load_id)
