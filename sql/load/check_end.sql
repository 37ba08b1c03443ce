-- name: check_end
-- Why: a stream that only checked drops its temporary table before it disconnects, so nothing of
-- the check outlives its answer (the session's end would drop it too, but only once the backend
-- has exited, after the client has gone).
DROP TABLE IF EXISTS pg_temp.deal_rows_check
