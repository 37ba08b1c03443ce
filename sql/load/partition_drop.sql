-- name: partition_drop
-- Why: DETACH and DROP need an exclusive lock, so they wait for any reader of the old rows; run
-- in a short transaction of its own with lock_timeout, and retried after the next load if a
-- long query still holds them.
-- Placeholders (psycopg2.sql): partition.
ALTER TABLE deal_rows DETACH PARTITION {partition};
DROP TABLE {partition};
