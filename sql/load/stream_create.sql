-- name: stream_create
-- Why: each COPY stream of a load fills a table of its own, created in the stream's own transaction
-- so its COPY can use FREEZE (and, with wal_level=minimal, skip WAL). The CHECKs on load_id and
-- stream prove both partition bounds, so publishing attaches it without scanning its rows; the
-- load_id_bound name matches the load's partition's (sql/load/load_partition_create.sql), as
-- ATTACH requires. A failed stream's table vanishes with its rollback.
-- Placeholders (filled with psycopg2.sql, never from user input): table, load_id, stream.
CREATE TABLE {table} (LIKE deal_rows INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE {table}
    ALTER COLUMN load_id SET DEFAULT {load_id},
    ALTER COLUMN stream SET DEFAULT {stream},
    ADD CONSTRAINT load_id_bound CHECK (load_id = {load_id}),
    ADD CONSTRAINT stream_bound CHECK (stream = {stream});
