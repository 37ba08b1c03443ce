-- name: top_customers_by_load
-- Why: the report of every kept load side by side, to see who entered or left the top five
-- between uploads (docs/psql.md); each load's rows are ranked by top_five_of_load.
CREATE OR REPLACE VIEW top_customers_by_load AS
SELECT kept_loads.load_id,
       kept_loads.publication,
       kept_loads.published_at,
       kept_loads.live,
       top.rank,
       top.username,
       top.spent_money,
       top.gems
  FROM kept_loads
 CROSS JOIN LATERAL top_five_of_load(kept_loads.load_id) AS top;

COMMENT ON VIEW top_customers_by_load IS 'The report of each kept load (DEALS_KEEP_LOADS): its five biggest spenders and the gems they share.';
COMMENT ON COLUMN top_customers_by_load.load_id IS 'Number of the load.';
COMMENT ON COLUMN top_customers_by_load.publication IS 'Order of publication (highest: the live load).';
COMMENT ON COLUMN top_customers_by_load.published_at IS 'When the load was published.';
COMMENT ON COLUMN top_customers_by_load.live IS 'True for the live load (its rows are those of top_customers).';
COMMENT ON COLUMN top_customers_by_load.rank IS 'Position in that load''s report, 1 to 5.';
COMMENT ON COLUMN top_customers_by_load.username IS 'Login of the customer.';
COMMENT ON COLUMN top_customers_by_load.spent_money IS 'Sum of total over the customer''s deals in that load.';
COMMENT ON COLUMN top_customers_by_load.gems IS 'Gems bought by this customer and by at least one other of that load''s five, in code-point order.';
