-- name: staging_create
-- Why: a new table in this transaction lets COPY use FREEZE, and a failed load vanishes with the
-- rollback. The CHECK on load_id proves the partition bound, so ATTACH does not scan the rows.
-- Placeholders (filled with psycopg2.sql, never from user input): staging, load_id.
CREATE TABLE {staging} (LIKE deal_rows INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE {staging}
    ALTER COLUMN load_id SET DEFAULT {load_id},
    ADD CONSTRAINT load_id_bound CHECK (load_id = {load_id});
