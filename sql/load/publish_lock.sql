-- name: publish_lock
-- Why: one upload publishes at a time (attach, pointer, record, refresh, commit); it is taken only
-- after the file is in its own table, so uploads stream side by side and queue only to publish.
-- The lock ends with the load's transaction (commit, rollback or a dropped connection), so a
-- killed worker can never leave it held. lock_timeout (DEALS_PUBLISH_WAIT_SECONDS) bounds the wait.
SELECT pg_advisory_xact_lock(hashtext('deals-report: load'))
