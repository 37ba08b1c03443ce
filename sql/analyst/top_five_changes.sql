-- name: top_five_changes
-- Why: who entered or left the top five since the previous upload: the reports of the two most
-- recently published kept loads, side by side (needs DEALS_KEEP_LOADS of 2 or more). Runnable in
-- psql as it is; docs/psql.md shows it.
WITH recent AS (
    SELECT load_id, row_number() OVER (ORDER BY publication DESC) AS age
      FROM kept_loads
), now_top AS (
    SELECT username, rank FROM top_customers_by_load WHERE load_id = (SELECT load_id FROM recent WHERE age = 1)
), before_top AS (
    SELECT username, rank FROM top_customers_by_load WHERE load_id = (SELECT load_id FROM recent WHERE age = 2)
)
SELECT username,
       CASE WHEN before_top.rank IS NULL THEN 'entered' ELSE 'left' END AS change,
       before_top.rank AS rank_before,
       now_top.rank AS rank_now
  FROM now_top
  FULL JOIN before_top USING (username)
 WHERE now_top.rank IS NULL OR before_top.rank IS NULL
 ORDER BY change, coalesce(now_top.rank, before_top.rank)
