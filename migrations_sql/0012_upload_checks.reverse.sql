-- name: upload_checks_reverse
-- Why: lets `migrate deals 0011` undo 0012 (check records are dropped: they stored nothing).
DELETE FROM uploads WHERE check_only;
ALTER TABLE uploads
    DROP CONSTRAINT uploads_checked_is_check,
    DROP CONSTRAINT uploads_problems_listed,
    DROP CONSTRAINT uploads_status_known,
    ADD CONSTRAINT uploads_status_known CHECK (status IN ('running', 'loaded', 'failed', 'interrupted')),
    DROP COLUMN check_only,
    DROP COLUMN problems;
COMMENT ON COLUMN uploads.status IS 'running (in progress), loaded, failed, or interrupted (its process ended before it did: killed, or its host lost).';
COMMENT ON COLUMN uploads.rows_loaded IS 'Deals loaded; NULL unless status is loaded.';
COMMENT ON COLUMN uploads.rows_copied IS 'Rows COPY stored, once it has ended (phase publishing); rows_loaded once loaded.';
COMMENT ON COLUMN uploads.copy_pids IS 'Backend process ids of the load''s COPY streams: upload_copy_rows(copy_pids) is how many rows they have stored so far.';
