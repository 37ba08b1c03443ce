-- name: staging_attach
-- Why: ATTACH takes only SHARE UPDATE EXCLUSIVE on deal_rows, so readers of deals never wait;
-- the new rows stay invisible through deals until dataset.live_load points at them.
-- Placeholders (psycopg2.sql): staging, load_id.
ALTER TABLE deal_rows ATTACH PARTITION {staging} FOR VALUES IN ({load_id})
