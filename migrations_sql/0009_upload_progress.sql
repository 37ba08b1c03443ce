-- name: upload_progress
-- Why: a running upload shows how far it has got (GET /api/uploads/<id>/) without a write per
-- chunk: its phase and the bytes read so far are written at most about once a second from a side
-- connection (the load's own transaction would hide them until commit), and the rows COPY has
-- stored are not written at all but read from PostgreSQL's own counter, pg_stat_progress_copy,
-- summed over the backends the load recorded in copy_pids (one per COPY stream).
ALTER TABLE uploads
    ADD COLUMN phase text,
    ADD COLUMN bytes_received bigint,
    ADD COLUMN copy_pids integer[] NOT NULL DEFAULT '{}',
    ADD COLUMN rows_copied bigint,
    ADD CONSTRAINT uploads_phase_known CHECK (phase IN ('receiving', 'copying', 'publishing'));

COMMENT ON COLUMN uploads.phase IS 'While running: receiving (the file is arriving and COPY storing it), copying (all read, COPY storing the last rows) or publishing (attach, refresh of the report, commit); NULL once finished. Written at most about once a second.';
COMMENT ON COLUMN uploads.bytes_received IS 'While running: bytes of the file read so far (written at most about once a second); size_bytes is the final size.';
COMMENT ON COLUMN uploads.copy_pids IS 'Backend process ids of the load''s COPY streams: upload_copy_rows(copy_pids) is how many rows they have stored so far.';
COMMENT ON COLUMN uploads.rows_copied IS 'Rows COPY stored, once it has ended (phase publishing); rows_loaded once loaded.';

CREATE FUNCTION upload_copy_rows(pids integer[]) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT sum(tuples_processed)::bigint FROM pg_stat_progress_copy WHERE pid = ANY (pids));

COMMENT ON FUNCTION upload_copy_rows(integer[]) IS 'Rows stored so far by the COPY statements running in these backends (PostgreSQL''s own count); NULL when none is running.';
