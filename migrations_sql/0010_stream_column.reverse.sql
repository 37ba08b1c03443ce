-- name: stream_column_reverse
-- Why: lets `migrate deals 0009` undo 0010. Loads stored since 0010 are partitioned by stream and
-- cannot lose the column: drop them first (psql: DROP TABLE deal_rows_<n>), the live one last.
ALTER TABLE deal_rows DROP COLUMN stream;
