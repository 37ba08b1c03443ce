-- name: upload_progress_reverse
-- Why: lets `migrate deals 0008` undo 0009.
DROP FUNCTION upload_copy_rows(integer[]);
ALTER TABLE uploads
    DROP COLUMN phase,
    DROP COLUMN bytes_received,
    DROP COLUMN copy_pids,
    DROP COLUMN rows_copied;
