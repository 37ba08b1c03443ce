-- name: uploads_reap
-- Why: a record still `running` whose backend (pid + start time) is no longer in pg_stat_activity
-- belongs to a process that is gone (its connections died with it): its load rolled back, and
-- nobody is left to write its outcome. Works across hosts and containers, where process ids do
-- not; the start time keeps a reused pid from passing for the old backend. A record without a
-- backend predates migration 0006 and is treated as gone. Our own role sees its own backends.
UPDATE uploads
   SET status = 'interrupted', finished_at = statement_timestamp(), error = %(error)s
 WHERE status = 'running'
   AND NOT EXISTS (
       SELECT 1
         FROM pg_stat_activity AS activity
        WHERE activity.pid = uploads.backend_pid
          AND activity.backend_start = uploads.backend_start)
RETURNING id
