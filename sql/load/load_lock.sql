-- name: load_lock
-- Why: one load at a time; the lock ends with the load's transaction (commit, rollback or a
-- dropped connection), so a killed worker can never leave it held. lock_timeout bounds the wait.
SELECT pg_advisory_xact_lock(hashtext('deals-report: load'))
