-- name: load_partition_create
-- Why: a load's partition of deal_rows is itself partitioned by stream, one sub-partition per COPY
-- stream's table (sql/load/stream_create.sql). Created when publishing, in the load's transaction:
-- a failed or crashed load leaves no empty parent behind. Its CHECK on load_id (named as the
-- streams' is) documents the bound; the streams' own CHECKs spare ATTACH its scan.
-- Placeholders (filled with psycopg2.sql, never from user input): partition, load_id.
CREATE TABLE {partition} (LIKE deal_rows INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (stream);
ALTER TABLE {partition}
    ALTER COLUMN load_id SET DEFAULT {load_id},
    ADD CONSTRAINT load_id_bound CHECK (load_id = {load_id});
