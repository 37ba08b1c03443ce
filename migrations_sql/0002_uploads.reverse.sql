-- name: uploads_reverse
-- Why: lets `migrate deals 0001` undo 0002.
DROP TABLE IF EXISTS uploads;
