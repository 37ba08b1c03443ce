-- name: report_snapshot
-- Why: the version and the report in one statement, so in one snapshot: a body is cached only
-- under the version it was read with, even while a load commits. The load publishes both in one
-- transaction. One row per entry, or one row of NULLs when the report is empty.
-- Placeholders (psycopg2.sql): dataset_version (sql/report/dataset_version.sql).
SELECT version.live_load,
       version.published_us,
       top.username,
       top.spent_money,
       top.gems
  FROM ({dataset_version}) AS version
  LEFT JOIN top_customers AS top ON version.live_load IS NOT NULL
 ORDER BY top.rank
