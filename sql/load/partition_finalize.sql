-- name: partition_finalize
-- Why: completes a DETACH ... CONCURRENTLY that was interrupted (by lock_timeout or a lost
-- connection); until then no other partition of deal_rows can be detached concurrently.
-- Placeholders (psycopg2.sql): partition.
ALTER TABLE deal_rows DETACH PARTITION {partition} FINALIZE
