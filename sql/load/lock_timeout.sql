-- name: lock_timeout
-- Why: every wait for a lock is bounded: the load waits DEALS_LOAD_WAIT_SECONDS for the load
-- before it, then nothing else it does may wait (0, no limit, once it holds the load lock);
-- dropping an old partition waits DEALS_CLEANUP_LOCK_TIMEOUT_MS. LOCAL: it ends with the transaction.
SET LOCAL lock_timeout = %(timeout)s
