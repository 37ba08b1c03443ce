-- name: lock_timeout
-- Why: every wait for a lock is bounded. A load waits DEALS_PUBLISH_WAIT_SECONDS for the publish
-- lock (another upload publishing), and at most DEALS_PUBLISH_LOCK_TIMEOUT_MS in any other statement
-- (CREATE ... LIKE, ATTACH, the pointer, the refresh), so an analyst's LOCK on deal_rows or a
-- maintenance command makes it fail with 409 instead of hanging while it holds the publish lock;
-- dropping an old partition waits DEALS_CLEANUP_LOCK_TIMEOUT_MS. LOCAL: it ends with the transaction.
SET LOCAL lock_timeout = %(timeout)s
