-- name: live_rows
-- Why: the live load's rows as stored, for the report (top_customers.sql trims after summing, so
-- it reads deal_rows rather than the view deals, which trims every row). The subquery is evaluated
-- once, before the parallel workers start, and run-time pruning skips every other load's partition.
SELECT customer, item, total FROM deal_rows WHERE load_id = (SELECT live_load FROM dataset)
