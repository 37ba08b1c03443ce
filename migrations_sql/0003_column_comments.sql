-- name: column_comments
-- Why: analysts read descriptions in psql (\d+); 0001 left these columns without one.
COMMENT ON COLUMN dataset.singleton IS 'Always true: keeps this table at one row.';
COMMENT ON COLUMN deal_rows.load_id IS 'Number of the load the row came with (the partition key).';
COMMENT ON COLUMN deal_rows.customer IS 'Login of the buyer, as in the file (the view deals trims it).';
COMMENT ON COLUMN deal_rows.item IS 'Name of the gem, as in the file (the view deals trims it).';
COMMENT ON COLUMN deal_rows.total IS 'Amount of the deal.';
COMMENT ON COLUMN deal_rows.quantity IS 'Pieces bought.';
COMMENT ON COLUMN deal_rows.date IS 'When the deal was registered.';
