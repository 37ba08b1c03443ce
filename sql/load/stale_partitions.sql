-- name: stale_partitions
-- Why: the partitions cleanup may drop: every direct child of deal_rows (a load's partition, which
-- may itself be partitioned) that is neither live nor among the DEALS_KEEP_LOADS most recent
-- publications. For each, the publication that retired it (keep places later): a snapshot older
-- than that one may still read it as kept or live. A partition with no recorded publication has
-- no known retirement (NULL: cleanup then waits until no snapshot at all is open). The load is
-- read from the partition bound, not the table's name. A pending detach comes first: only one
-- partition of deal_rows can be pending at a time.
SELECT child.relname AS partition,
       pg_inherits.inhdetachpending AS pending,
       history.retired_xid::text AS retired_xid
  FROM pg_inherits
  JOIN pg_class child ON child.oid = pg_inherits.inhrelid
  LEFT JOIN (
        SELECT load_id,
               row_number() OVER newest_first AS recency,
               lag(published_xid, %(keep)s) OVER newest_first AS retired_xid
          FROM published_loads
        WINDOW newest_first AS (ORDER BY publication DESC)
       ) AS history
    ON history.load_id = substring(pg_get_expr(child.relpartbound, child.oid) FROM '\(''?(-?[0-9]+)''?\)')::bigint
 WHERE pg_inherits.inhparent = 'deal_rows'::regclass
   AND substring(pg_get_expr(child.relpartbound, child.oid) FROM '\(''?(-?[0-9]+)''?\)')::bigint
       IS DISTINCT FROM (SELECT live_load FROM dataset)
   AND (history.recency IS NULL OR history.recency > %(keep)s)
 ORDER BY pg_inherits.inhdetachpending DESC, history.recency DESC NULLS FIRST, child.relname
