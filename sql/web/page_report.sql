-- name: page_report
-- Why: the page's report and what it says about it (when it was published, from which file) in one
-- statement, so in one snapshot: the file named is the one the table and the chart show, even while
-- a load commits. One row per entry, or one row of NULL entries when the report is empty.
SELECT dataset.published_at,
       uploads.id AS upload_id,
       uploads.file_name,
       uploads.rows_loaded,
       top.username,
       top.spent_money,
       top.gems
  FROM dataset
  LEFT JOIN uploads ON uploads.load_id = dataset.live_load
  LEFT JOIN top_customers AS top ON dataset.live_load IS NOT NULL
 WHERE dataset.singleton
 ORDER BY top.rank
