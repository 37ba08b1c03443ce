-- name: top_customers
-- Why: the whole report in one pass over the live deals: per (customer, gem) sums first, so the
-- five biggest spenders and the gems they share come from a table of at most customers x gems.
-- Ties in spending go to the username first in code-point order; gems are in code-point order.
WITH per_gem AS (
    SELECT customer, item, sum(total) AS spent
      FROM deals
     GROUP BY customer, item
), top AS (
    SELECT customer,
           sum(spent) AS spent_money,
           row_number() OVER (ORDER BY sum(spent) DESC, customer COLLATE "C") AS rank
      FROM per_gem
     GROUP BY customer
     ORDER BY rank
     LIMIT 5
), shared AS (
    SELECT per_gem.item
      FROM per_gem
      JOIN top USING (customer)
     GROUP BY per_gem.item
    HAVING count(*) >= 2
)
SELECT top.rank::smallint AS rank,
       top.customer AS username,
       top.spent_money::bigint AS spent_money,
       ARRAY(
           SELECT per_gem.item
             FROM per_gem
             JOIN shared USING (item)
            WHERE per_gem.customer = top.customer
            ORDER BY per_gem.item COLLATE "C"
       ) AS gems
  FROM top
