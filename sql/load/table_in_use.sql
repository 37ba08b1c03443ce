-- name: table_in_use
-- Why: DETACH, FINALIZE and DROP each ask for ACCESS EXCLUSIVE on the table; asked while another
-- session holds any lock on it, the request only queues until lock_timeout, and a reader that
-- comes meanwhile may queue behind it (measured: up to 190 ms). So a pass first looks, and leaves
-- a table somebody holds to a later pass.
SELECT EXISTS (
       SELECT FROM pg_locks
        WHERE relation = to_regclass(%(table)s)
          AND granted
          AND pid <> pg_backend_pid())
