-- name: load_shards
-- Why: the shards of one load for the report from partial aggregates (deals/report/partials.py):
-- the stream tables attached under its partition (sql/load/stream_attach.sql). A load stored
-- before the parallel COPY is a plain table (relkind 'r', not 'p'): its own only shard. No row:
-- no table of that load is stored (never loaded, or dropped by cleanup).
SELECT load_table.relkind = 'p' AS partitioned,
       ARRAY(
           SELECT stream.relname::text
             FROM pg_inherits
             JOIN pg_class AS stream ON stream.oid = pg_inherits.inhrelid
            WHERE pg_inherits.inhparent = load_table.oid
            ORDER BY 1
       ) AS streams
  FROM pg_class AS load_table
 WHERE load_table.oid = to_regclass(%(partition)s)
