-- name: cleanup_lock
-- Why: one cleanup pass at a time (every worker sweeps in the background, every load after it
-- commits); two would only collide on the same DETACH. A pass waits for the one running, at most
-- lock_timeout, so a load's own pass is not skipped because another was just finishing.
-- Session-level: the pass runs in autocommit (DETACH CONCURRENTLY cannot run in a transaction),
-- and its connection's end releases the lock.
SELECT pg_advisory_lock(hashtext('deals-report: cleanup'))
