-- name: load_next_id
-- Why: the load's number names its partition and becomes the dataset version (ETag). Taking it
-- also takes the load's owner lock (sql/load/load_owner_try.sql), so cleanup never drops a table
-- of a load still in progress; the lock ends with the load's transaction.
SELECT load_id, pg_advisory_xact_lock(hashtext('deals-report: load owner'), (load_id % 2147483647)::integer)
  FROM nextval('deal_load_seq') AS load_id
