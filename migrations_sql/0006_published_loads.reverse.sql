-- name: published_loads_reverse
-- Why: lets `migrate deals 0005` undo 0006.
DROP VIEW IF EXISTS kept_loads;
DROP VIEW IF EXISTS deals_by_load;
DROP TRIGGER IF EXISTS published_loads_record ON dataset;
DROP FUNCTION IF EXISTS published_loads_record();
DROP TABLE IF EXISTS published_loads;
