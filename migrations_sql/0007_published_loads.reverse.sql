-- name: published_loads_reverse
-- Why: lets `migrate deals 0006` undo 0007, with what deals/apps.py built on its views after
-- each migrate (the per-load report).
DROP VIEW IF EXISTS top_customers_by_load;
DROP FUNCTION IF EXISTS top_five_of_load(bigint);
DROP VIEW IF EXISTS kept_loads;
DROP VIEW IF EXISTS deals_by_load;
DROP TRIGGER IF EXISTS published_loads_record ON dataset;
DROP FUNCTION IF EXISTS published_loads_record();
DROP TABLE IF EXISTS published_loads;
