-- name: utc_dates
-- Why: dates without an offset are UTC, whatever the server's or the role's time zone; LOCAL, so
-- it holds for this load's COPY and ends with its transaction.
SET LOCAL TimeZone = 'UTC'
