-- name: upload_checks
-- Why: an upload with bad lines is answered with every one of them (the API's `errors`), and the
-- record keeps exactly what its client was told; a check-only upload (?check=1, load_deals
-- --check) reads and checks the file as a load would and publishes nothing, and is recorded as
-- such. Rows are now counted as each COPY statement of a load ends (one per batch), so
-- rows_copied holds the count so far while the upload runs.
ALTER TABLE uploads
    ADD COLUMN check_only boolean NOT NULL DEFAULT false,
    ADD COLUMN problems jsonb,
    DROP CONSTRAINT uploads_status_known,
    ADD CONSTRAINT uploads_status_known CHECK (status IN ('running', 'loaded', 'checked', 'failed', 'interrupted')),
    ADD CONSTRAINT uploads_checked_is_check CHECK (status <> 'checked' OR check_only),
    ADD CONSTRAINT uploads_problems_listed CHECK (jsonb_typeof(problems -> 'errors') = 'array');

COMMENT ON COLUMN uploads.check_only IS 'A check-only upload (POST /api/deals/?check=1, load_deals --check): the file was read and checked as a load would, nothing was stored or published.';
COMMENT ON COLUMN uploads.problems IS 'The file''s bad lines as its client was told them: {"errors": [{line, column, value, message}, ...] (the first DEALS_MAX_REPORTED_ERRORS in file order), "error_count", "error_count_exact" (false: at least that many)}; NULL when no line was at fault.';
COMMENT ON COLUMN uploads.status IS 'running (in progress), loaded, checked (a check-only upload found no problem), failed, or interrupted (its process ended before it did: killed, or its host lost).';
COMMENT ON COLUMN uploads.rows_loaded IS 'Deals loaded (status loaded) or checked (status checked); NULL otherwise.';
COMMENT ON COLUMN uploads.rows_copied IS 'While running: rows the COPY statements of the load stored so far (checked, for a check), written at most about once a second; all of them once COPY has ended.';
COMMENT ON COLUMN uploads.copy_pids IS 'Backend process ids of the load''s COPY streams (pg_stat_activity, pg_stat_progress_copy of the batch each is copying).';
