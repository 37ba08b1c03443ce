-- name: dataset_version
-- Why: the version every GET reads fresh (one primary-key lookup): the live load's number and when
-- it was published. Load numbers restart at 1 in a recreated database; the publish time keeps a
-- cache or a browser from taking an old load 1 for a new one.
-- It also names the recorded upload that published the live load (for the X-Upload-Id header).
SELECT live_load,
       (extract(epoch FROM published_at) * 1000000)::bigint AS published_us,
       (SELECT uploads.id FROM uploads WHERE uploads.load_id = dataset.live_load) AS upload_id
  FROM dataset
 WHERE singleton
