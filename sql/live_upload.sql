-- name: live_upload
-- Why: which recorded upload the report reflects: the one whose load dataset.live_load names.
-- A scalar subquery, read together with the report so both come from one snapshot.
SELECT uploads.id
  FROM dataset
  JOIN uploads ON uploads.load_id = dataset.live_load
