-- name: stream_attach
-- Why: a stream's committed table becomes a sub-partition of its load's partition; its CHECK on
-- stream proves the bound, so ATTACH reads no row. Runs under the publish lock, before the load's
-- partition joins deal_rows, so nothing else can see the tables yet.
-- Placeholders (psycopg2.sql): partition, table, stream.
ALTER TABLE {partition} ATTACH PARTITION {table} FOR VALUES IN ({stream})
