-- name: stream_column
-- Why: a load COPYs over several connections at once, each into a table of its own (COPY ... FREEZE
-- needs a table created in its own transaction); the load's partition is partitioned again by this
-- column, one sub-partition per COPY stream, so publishing attaches them without scanning a row.
-- A constant default makes the new column metadata only: existing rows are not rewritten.
ALTER TABLE deal_rows ADD COLUMN stream smallint NOT NULL DEFAULT 0;

COMMENT ON COLUMN deal_rows.stream IS 'Which of the load''s parallel COPY streams stored the row (0 to DEALS_COPY_STREAMS - 1); each stream''s rows are a sub-partition deal_rows_<load>_s<stream>. Says nothing about the deal itself.';
