-- name: stream_mark
-- Why: a COPY stream's session holds a snapshot for as long as it copies, but reads only its own
-- new table, never an old load's partition; this lock tells cleanup so (sql/load/snapshot_holders.sql
-- leaves such sessions out), or every upload streaming beside it would be refused at the bound.
-- Shared: all the streams of one load hold it. Transaction-scoped: gone with the stream's commit.
SELECT pg_advisory_xact_lock_shared(hashtext('deals-report: load stream'), (%(load_id)s %% 2147483647)::integer)
