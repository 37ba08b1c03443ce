-- name: session_timeouts
-- Why: cleanup runs on a connection of its own, in autocommit, so a session setting bounds every
-- statement it runs: lock waits by lock_timeout, anything else by statement_timeout.
SET lock_timeout = %(lock_timeout)s; SET statement_timeout = %(statement_timeout)s
