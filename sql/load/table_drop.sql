-- name: table_drop
-- Why: a detached partition, or a table a crashed load left, is dropped with everything under it
-- (a load's partition may be partitioned itself, one table per COPY stream). Detached first, it
-- is no longer part of deal_rows, so the drop locks no table a reader of deals uses.
-- Placeholders (psycopg2.sql): table.
DROP TABLE IF EXISTS {table}
