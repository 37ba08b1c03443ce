-- name: top_customers
-- Why: the whole report from two passes over one load's stored rows, each parallel (a Gather over
-- a Parallel Seq Scan or Parallel Append; tests/test_report_plan.py). The first sums per customer
-- as stored (about 10,000 groups), hashing the raw text: btrim() then runs once per group, not once
-- per row, and the groups that trim alike are summed again (same totals). The second pass keeps
-- only the rows of the top five's stored names, given as an array (a parameter the workers get; a
-- join with the CTE would keep that pass in one process), to find the gems they share. Together
-- 1.5x to 2x faster than trimming every row with a serial second pass (docs/benchmarks-history.md,
-- "Per-row costs"). Summing per (customer, gem) for every customer first, as an earlier version did, built
-- a table of customers x gems and made the refresh 3x slower. Ties in spending go to the username
-- first in code-point order; names and gems are trimmed as the view deals trims them; gems are in
-- code-point order.
-- The one definition of the top five: the report reads the live load's rows (live_rows.sql);
-- top_five_of_load (sql/report/top_five_of_load.sql) reads one kept load's (deals_of_load.sql).
-- Placeholders (psycopg2.sql): rows (customer, item, total as stored, untrimmed: a parenthesized query).
WITH stored_spending AS (
    SELECT customer AS stored, sum(total) AS spent_money
      FROM {rows} AS rows
     GROUP BY customer
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
), bought AS (
    SELECT DISTINCT btrim(rows.customer) AS customer, btrim(rows.item) AS item
      FROM {rows} AS rows
     WHERE rows.customer = ANY (ARRAY(
           SELECT stored_spending.stored
             FROM stored_spending
             JOIN top ON btrim(stored_spending.stored) = top.customer))
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
