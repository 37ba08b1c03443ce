-- name: top_customers_comments
-- Why: django-pgviews creates (and on a change of its SQL, re-creates) the materialized view after
-- migrations, which drops any comment; deals.apps re-applies these each time it syncs the view.
COMMENT ON MATERIALIZED VIEW top_customers IS 'The report of GET /api/deals/: the five biggest spenders of the live dataset and the gems they share; refreshed by each upload.';
COMMENT ON COLUMN top_customers.rank IS 'Position in the report, 1 to 5: by spent_money descending, ties by username in code-point order.';
COMMENT ON COLUMN top_customers.username IS 'Login of the customer.';
COMMENT ON COLUMN top_customers.spent_money IS 'Sum of total over all the customer''s deals.';
COMMENT ON COLUMN top_customers.gems IS 'Gems bought by this customer and by at least one other of the five, in code-point order.';
