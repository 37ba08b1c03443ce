-- name: copy_progress
-- Why: COPY's own count of the rows it has stored so far, for load_deals' progress display;
-- read from a second connection while the load's COPY runs (PostgreSQL 14+).
SELECT tuples_processed FROM pg_stat_progress_copy WHERE pid = %(pid)s
