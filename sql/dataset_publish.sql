-- name: dataset_publish
-- Why: the single row update is the swap; it becomes visible to everyone at commit, together
-- with the refreshed report.
UPDATE dataset SET live_load = %(load_id)s, published_at = now()
