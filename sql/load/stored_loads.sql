-- name: stored_loads
-- Why: the bound on old loads kept on disk is counted in tables, attached or not: every load's
-- table is a whole dataset's worth of disk, whether kept, waiting for a reader, or left over.
SELECT count(*)
  FROM pg_class
 WHERE relnamespace = 'public'::regnamespace
   AND relkind IN ('r', 'p')
   AND relname ~ '^deal_rows_[0-9]+$'
   AND (NOT relispartition
        OR EXISTS (SELECT FROM pg_inherits
                    WHERE inhrelid = pg_class.oid AND inhparent = 'deal_rows'::regclass))
