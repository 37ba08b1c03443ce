-- name: deals_of_load
-- Why: one kept load's deals, as the report's SQL expects its rows (trimmed like deals); the
-- parameter is top_five_of_load's argument. The LEFT JOIN in deals_by_load is dropped by the
-- planner here, since published_at is not read.
SELECT customer, item, total FROM deals_by_load WHERE load_id = wanted_load
