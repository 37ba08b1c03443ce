-- name: load_next_id
-- Why: the load's number names its partition and becomes the dataset version (ETag).
SELECT nextval('deal_load_seq')
