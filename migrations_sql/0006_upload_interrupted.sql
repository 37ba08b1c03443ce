-- name: upload_interrupted
-- Why: a record left `running` by a process that died (killed worker, lost host) must be told from
-- one still loading, from any host or container. Every attempt's row names the PostgreSQL backend
-- (pid and start time, which together never repeat) of the connection that inserted it, which
-- is the connection the load runs on; a process that dies takes its connections with it, so a
-- `running` row whose backend is no longer in pg_stat_activity is over: deals/uploads/reaper.py
-- marks it `interrupted`. The defaults fill both columns in the INSERT itself (no extra round trip).
-- http_status: the record says the status its client got, not only the sentence.
CREATE FUNCTION current_backend_start() RETURNS timestamptz
    LANGUAGE sql STABLE
    AS $$ SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid() $$;
COMMENT ON FUNCTION current_backend_start() IS 'When this session''s backend started (pg_stat_activity.backend_start).';

ALTER TABLE uploads
    ADD COLUMN http_status smallint,
    ADD COLUMN backend_pid integer,
    ADD COLUMN backend_start timestamptz,
    DROP CONSTRAINT uploads_status_known,
    ADD CONSTRAINT uploads_status_known CHECK (status IN ('running', 'loaded', 'failed', 'interrupted'));
-- Rows older than this migration keep NULL: their process is unknown (the reaper treats it as gone).
ALTER TABLE uploads
    ALTER COLUMN backend_pid SET DEFAULT pg_backend_pid(),
    ALTER COLUMN backend_start SET DEFAULT current_backend_start();

COMMENT ON COLUMN uploads.status IS 'running (in progress), loaded, failed, or interrupted (its process ended before it did: killed, or its host lost).';
COMMENT ON COLUMN uploads.http_status IS 'HTTP status of the answer (for manage.py load_deals, the one the API gives for the same outcome); NULL while running or when interrupted.';
COMMENT ON COLUMN uploads.backend_pid IS 'PostgreSQL backend (pg_stat_activity.pid) of the connection that recorded the attempt and ran its load.';
COMMENT ON COLUMN uploads.backend_start IS 'That backend''s start time: with backend_pid, names it uniquely (pids are reused).';
