-- name: stream_copy
-- Why: PostgreSQL parses, converts and type-checks every line in C; errors name line and column.
-- HEADER true skips the one synthetic line each stream sends first (deals/load/streams.py): COPY
-- learns the line end from it, so from the first record on it counts LFs only, even inside quoted
-- values (before its first line end it would count CRs), and the file's own line numbers follow.
-- Placeholders (psycopg2.sql, from fixed lists only): table, columns, encoding, delimiter.
COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true, FREEZE true, ENCODING {encoding}, DELIMITER {delimiter})
