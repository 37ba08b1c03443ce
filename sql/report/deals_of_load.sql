-- name: deals_of_load
-- Why: one kept load's rows as stored, as the report's SQL expects them (it trims after summing,
-- as for the live load: sql/report/live_rows.sql); the parameter is top_five_of_load's argument.
SELECT customer, item, total FROM deal_rows WHERE load_id = wanted_load
