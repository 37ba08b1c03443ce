-- name: gem_sales
-- Why: the per-gem view of the same deals: who buys what, how much and for how much; a plain
-- view over the live dataset. Runnable in psql as it is.
CREATE OR REPLACE VIEW gem_sales AS
SELECT item                     AS gem,
       count(DISTINCT customer) AS buyers,
       count(*)                 AS deals,
       sum(quantity)::bigint    AS quantity,
       sum(total)::bigint       AS revenue
  FROM deals
 GROUP BY item;

COMMENT ON VIEW gem_sales IS 'One row per gem of the live dataset: its buyers, pieces sold and revenue.';
COMMENT ON COLUMN gem_sales.gem IS 'Name of the gem.';
COMMENT ON COLUMN gem_sales.buyers IS 'Number of different customers who bought it.';
COMMENT ON COLUMN gem_sales.deals IS 'Number of deals (lines of the file) for it.';
COMMENT ON COLUMN gem_sales.quantity IS 'Pieces sold (sum of quantity).';
COMMENT ON COLUMN gem_sales.revenue IS 'Money taken (sum of total).';
