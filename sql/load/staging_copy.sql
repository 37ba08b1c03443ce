-- name: staging_copy
-- Why: PostgreSQL parses, converts and type-checks every line in C; errors name line and column.
-- Placeholders (psycopg2.sql, from fixed lists only): staging, columns, encoding, delimiter.
COPY {staging} ({columns}) FROM STDIN WITH (FORMAT csv, FREEZE true, ENCODING {encoding}, DELIMITER {delimiter})
