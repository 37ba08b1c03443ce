-- name: stale_partitions
-- Why: partitions of loads that are no longer live; dropped after a load commits.
SELECT child.relname
  FROM pg_inherits
  JOIN pg_class child ON child.oid = pg_inherits.inhrelid
 WHERE pg_inherits.inhparent = 'deal_rows'::regclass
   AND child.relname IS DISTINCT FROM (SELECT 'deal_rows_' || live_load FROM dataset)
 ORDER BY child.relname
