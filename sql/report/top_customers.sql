-- name: top_customers
-- Why: the whole report as the combine step over partial aggregates of the rows, so the same SQL
-- ranks one load read whole (the materialized view, top_five_of_load) and one load read shard by
-- shard (deals/report/partials.py, the form it takes on Citus: docs/scaling.md). The partials are
-- per stored (untrimmed) name: summing the raw text costs one btrim() per group, not per row, and
-- the groups that trim alike, from one shard or several, are summed here (same totals). Over the
-- whole load, both passes run in parallel workers (tests/test_report_plan.py): the first sums per
-- stored name (about 10,000 groups); the second reads only the rows of the top five's stored names,
-- given as an array (a parameter the workers get; a join with the CTE would keep that pass in one
-- process), to find the gems they share. Together 1.5x to 2x faster than trimming every row with a
-- serial second pass (docs/benchmarks-history.md,
-- "Per-row costs"). Summing per (customer, gem) for every
-- customer first, as an earlier version did, built a table of customers x gems and made the
-- refresh 3x slower. Ties in spending go to the username first in code-point order; names and gems
-- are trimmed as the view deals trims them; gems are in code-point order.
-- The one definition of the top five: the report reads the live load's rows (live_rows.sql);
-- top_five_of_load (sql/report/top_five_of_load.sql) reads one kept load's (deals_of_load.sql).
-- The slots: spending, rows of (stored, spent_money), sql/report/spending_partial.sql over the whole
-- load or over each shard joined by UNION ALL (a stored name may then come from several shards);
-- purchases, rows of (customer, item), sql/report/purchases_partial.sql the same way (it reads the
-- CTE top_stored; a pair may come from several shards).
-- Placeholders (psycopg2.sql): spending, purchases.
WITH stored_spending AS (
    {spending}
), spending AS (
    SELECT btrim(stored) AS customer, sum(spent_money) AS spent_money
      FROM stored_spending
     GROUP BY 1
), top AS (
    SELECT customer,
           spent_money,
           row_number() OVER (ORDER BY spent_money DESC, customer COLLATE "C") AS rank
      FROM spending
     ORDER BY rank
     LIMIT 5
), top_stored AS (
    SELECT stored_spending.stored
      FROM stored_spending
      JOIN top ON btrim(stored_spending.stored) = top.customer
), bought AS (
    SELECT DISTINCT customer, item
      FROM ({purchases}) AS purchases
), shared AS (
    SELECT item
      FROM bought
     GROUP BY item
    HAVING count(*) >= 2
)
SELECT top.rank::smallint AS rank,
       top.customer AS username,
       top.spent_money::bigint AS spent_money,
       ARRAY(
           SELECT bought.item
             FROM bought
             JOIN shared USING (item)
            WHERE bought.customer = top.customer
            ORDER BY bought.item COLLATE "C"
       ) AS gems
  FROM top
