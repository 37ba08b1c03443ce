-- name: check_copy
-- Why: the check of a batch (sql/load/check_begin.sql): the COPY of sql/load/stream_copy.sql into
-- the session's temporary table, without FREEZE (the table was not created in this transaction).
-- Placeholders (psycopg2.sql, from fixed lists only): columns, encoding, delimiter.
COPY pg_temp.deal_rows_check ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING {encoding}, DELIMITER {delimiter})
