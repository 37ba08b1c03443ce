-- name: deal_storage
-- Why: each upload is COPYed into a partition of its own and published by moving one pointer,
-- so readers of "deals" see the old dataset or the new one, never a mix, and never wait.

-- The one row that says which load is live (NULL until the first successful upload).
CREATE TABLE dataset (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    live_load bigint,
    published_at timestamptz
);
INSERT INTO dataset DEFAULT VALUES;

-- Every load gets the next number; it names the load's partition and versions the report.
CREATE SEQUENCE deal_load_seq;

-- Every load's rows, one partition per load. Values are stored as received (the view trims);
-- the checks run inside COPY, so PostgreSQL rejects a bad line with its line number.
CREATE TABLE deal_rows (
    load_id  bigint      NOT NULL,
    customer text        NOT NULL,
    item     text        NOT NULL,
    total    bigint      NOT NULL,
    quantity integer     NOT NULL,
    date     timestamptz NOT NULL,
    CONSTRAINT customer_not_blank CHECK (btrim(customer) <> ''),
    CONSTRAINT customer_max_length CHECK (char_length(btrim(customer)) <= 255),
    CONSTRAINT item_not_blank CHECK (btrim(item) <> ''),
    CONSTRAINT item_max_length CHECK (char_length(btrim(item)) <= 255),
    CONSTRAINT total_not_negative CHECK (total >= 0),
    CONSTRAINT quantity_positive CHECK (quantity > 0)
) PARTITION BY LIST (load_id);

-- The live dataset. The subquery is evaluated once per query, with that query's snapshot, and
-- run-time partition pruning skips every other load's partition.
CREATE VIEW deals AS
SELECT btrim(customer) AS customer,
       btrim(item)     AS item,
       total,
       quantity,
       date
  FROM deal_rows
 WHERE load_id = (SELECT live_load FROM dataset);

COMMENT ON TABLE dataset IS 'Which load is live: one row, updated in the transaction that publishes an upload.';
COMMENT ON COLUMN dataset.live_load IS 'Number of the load the view deals shows; NULL before the first upload.';
COMMENT ON COLUMN dataset.published_at IS 'When that load was published.';
COMMENT ON TABLE deal_rows IS 'Raw rows of every kept load, partitioned by load_id; query the view deals instead.';
COMMENT ON VIEW deals IS 'The deals of the last successful upload, one row per line of the file.';
COMMENT ON COLUMN deals.customer IS 'Login of the buyer.';
COMMENT ON COLUMN deals.item IS 'Name of the gem bought.';
COMMENT ON COLUMN deals.total IS 'Amount of the deal (whole number, not negative).';
COMMENT ON COLUMN deals.quantity IS 'Pieces bought (positive).';
COMMENT ON COLUMN deals.date IS 'When the deal was registered (UTC when the file gave no offset).';
