-- name: purchases_partial
-- Why: the report's second pass over one shard of a load: the (customer, gem) pairs, trimmed, of
-- the top five's stored names, once each in this shard; top_customers.sql keeps each pair once
-- over all shards. The names come as an array (an initplan), so over a whole load the workers of
-- a parallel scan filter by it (tests/test_report_plan.py); only the top five's rows are trimmed.
-- Runs inside top_customers.sql, whose CTE top_stored holds the top five's stored names.
-- Placeholders (psycopg2.sql): rows (customer, item as stored: a table or a parenthesized query).
SELECT DISTINCT btrim(rows.customer) AS customer, btrim(rows.item) AS item
  FROM {rows} AS rows
 WHERE rows.customer = ANY (ARRAY(SELECT top_stored.stored FROM top_stored))
