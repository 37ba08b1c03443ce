-- name: database_answers
-- Why: /healthz asks PostgreSQL the cheapest question that still needs a working session: a row back
-- means the database answers (a connection the pool kept may have died since).
SELECT 1
