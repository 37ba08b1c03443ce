-- name: deal_storage_reverse
-- Why: lets `migrate deals zero` undo 0001 completely.
DROP VIEW IF EXISTS deals CASCADE;
DROP TABLE IF EXISTS deal_rows CASCADE;
DROP SEQUENCE IF EXISTS deal_load_seq;
DROP TABLE IF EXISTS dataset;
