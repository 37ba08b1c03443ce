-- name: orphan_tables
-- Why: tables of loads that are not (or no longer) part of deal_rows: a partition detached whose
-- drop was interrupted, or a crashed load's own. A load that is still running holds its load's
-- owner lock (sql/load/load_next_id.sql), which cleanup tries before dropping anything.
-- Sub-tables of a partitioned load table go with their parent, so only roots are listed; the
-- COPY streams' tables of a load that died before publishing (deal_rows_<n>_s<k>) are roots.
SELECT relname AS orphan,
       substring(relname FROM '^deal_rows_([0-9]+)')::bigint AS load_id
  FROM pg_class
 WHERE relnamespace = 'public'::regnamespace
   AND relkind IN ('r', 'p')
   AND relname ~ '^deal_rows_[0-9]+'
   AND NOT relispartition
 ORDER BY relname
