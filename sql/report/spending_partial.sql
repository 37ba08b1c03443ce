-- name: spending_partial
-- Why: the report's first pass over one shard of a load (the whole load, or one stream table of
-- it): what each stored name spent there. Grouped by the raw text, so btrim() runs once per group
-- in top_customers.sql, which sums the shards' partials of every name that trims alike. On Citus,
-- with deal_rows distributed by customer, a stored name lives in one shard, so this runs on each
-- worker and only ~10,000 sums cross the network (docs/scaling.md).
-- Placeholders (psycopg2.sql): rows (customer, item, total as stored: a table or a parenthesized query).
SELECT rows.customer AS stored, sum(rows.total) AS spent_money
  FROM {rows} AS rows
 GROUP BY rows.customer
