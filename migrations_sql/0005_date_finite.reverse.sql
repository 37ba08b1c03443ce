-- name: date_finite_reverse
-- Why: lets `migrate deals 0004` undo 0005.
ALTER TABLE deal_rows DROP CONSTRAINT date_finite;
