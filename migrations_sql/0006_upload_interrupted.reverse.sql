-- name: upload_interrupted_reverse
-- Why: lets `migrate deals 0005` undo 0006 (interrupted records become failed ones).
UPDATE uploads SET status = 'failed' WHERE status = 'interrupted';
ALTER TABLE uploads
    DROP COLUMN http_status,
    DROP COLUMN backend_pid,
    DROP COLUMN backend_start,
    DROP CONSTRAINT uploads_status_known,
    ADD CONSTRAINT uploads_status_known CHECK (status IN ('running', 'loaded', 'failed'));
DROP FUNCTION current_backend_start();
COMMENT ON COLUMN uploads.status IS 'running (in progress, or its process died), loaded, or failed.';
