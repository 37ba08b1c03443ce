-- name: dataset_publish
-- Why: the single row update is the swap; it becomes visible to everyone at commit, together
-- with the refreshed report. clock_timestamp(), not now(): now() is when the transaction began,
-- before the lock wait and the COPY.
UPDATE dataset SET live_load = %(load_id)s, published_at = clock_timestamp()
