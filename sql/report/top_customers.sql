-- name: top_customers
-- Why: the whole report from two passes over the live deals: one sum per customer (about 10,000
-- groups) picks the five biggest spenders; a second pass keeps only those five customers' rows
-- to find the gems they share. Summing per (customer, gem) for every customer first, as an
-- earlier version did, built a table of customers x gems and made the refresh 3x slower.
-- Ties in spending go to the username first in code-point order; gems are in code-point order.
-- The one definition of the top five: the report reads the live deals; top_five_of_load
-- (sql/report/top_five_of_load.sql) reads one kept load's rows through the same text.
-- Placeholders (psycopg2.sql): deals (the rows to rank: the view deals, or one load's).
WITH spending AS (
    SELECT customer, sum(total) AS spent_money
      FROM {deals} AS deals
     GROUP BY customer
), top AS (
    SELECT customer,
           spent_money,
           row_number() OVER (ORDER BY spent_money DESC, customer COLLATE "C") AS rank
      FROM spending
     ORDER BY rank
     LIMIT 5
), bought AS (
    SELECT DISTINCT deals.customer, deals.item
      FROM {deals} AS deals
      JOIN top USING (customer)
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
