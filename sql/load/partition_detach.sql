-- name: partition_detach
-- Why: CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE on deal_rows, so readers of deals never
-- wait; it cannot run in a transaction block, and it waits for every session that holds a lock on
-- deal_rows. lock_timeout bounds that wait: interrupted there, the partition stays "detach
-- pending" (invisible to new snapshots) and partition_finalize completes it later.
-- Placeholders (psycopg2.sql): partition.
ALTER TABLE deal_rows DETACH PARTITION {partition} CONCURRENTLY
