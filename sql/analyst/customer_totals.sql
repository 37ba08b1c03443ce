-- name: customer_totals
-- Why: the per-customer figures an analyst asks for first, over the live dataset; a plain view,
-- so it always reflects the last successful upload. Runnable in psql as it is.
CREATE OR REPLACE VIEW customer_totals AS
SELECT customer,
       sum(total)::bigint   AS spent_money,
       count(*)             AS deals,
       count(DISTINCT item) AS gems,
       sum(quantity)::bigint AS pieces,
       min(date)            AS first_deal_at,
       max(date)            AS last_deal_at
  FROM deals
 GROUP BY customer;

COMMENT ON VIEW customer_totals IS 'One row per customer of the live dataset: what they spent and bought, and when.';
COMMENT ON COLUMN customer_totals.customer IS 'Login of the buyer.';
COMMENT ON COLUMN customer_totals.spent_money IS 'Sum of total over all the customer''s deals (the report''s spent_money).';
COMMENT ON COLUMN customer_totals.deals IS 'Number of deals (lines of the file) of the customer.';
COMMENT ON COLUMN customer_totals.gems IS 'Number of different gems the customer bought.';
COMMENT ON COLUMN customer_totals.pieces IS 'Sum of quantity over the customer''s deals.';
COMMENT ON COLUMN customer_totals.first_deal_at IS 'Date of the customer''s first deal.';
COMMENT ON COLUMN customer_totals.last_deal_at IS 'Date of the customer''s last deal.';
