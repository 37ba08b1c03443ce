-- name: check_begin
-- Why: once a line of the file is bad nothing will be stored, but the rest of the file is still
-- checked, exactly as a load would check it (issue 21: every bad line in one answer), and so is
-- every line of a check-only upload. The stream's session then COPYs into a temporary table LIKE
-- deal_rows (the same types, NOT NULLs and named CHECKs, so the same errors), in one transaction
-- per COPY: ON COMMIT DELETE ROWS empties it at each commit, so it never holds more than one batch,
-- writes no WAL, and leaves nothing behind. load_id and stream are not the file's: defaults fill them.
-- The session's own settings stand for the load's SET LOCALs (UTC dates, bounded lock waits).
SET TimeZone = 'UTC';
SET lock_timeout = %(lock_timeout)s;
CREATE TEMPORARY TABLE deal_rows_check (LIKE deal_rows INCLUDING DEFAULTS INCLUDING CONSTRAINTS) ON COMMIT DELETE ROWS;
ALTER TABLE deal_rows_check ALTER COLUMN load_id SET DEFAULT 0
