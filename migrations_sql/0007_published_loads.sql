-- name: published_loads
-- Why: DEALS_KEEP_LOADS keeps earlier loads to compare, and cleanup must know, for each old load,
-- which publication retired it (to wait until no snapshot can still see it as kept). A trigger on
-- dataset records every publication, so any way of moving the pointer (the loader, a manual
-- UPDATE in psql) is recorded in the same transaction, and the loader needs no extra step.

CREATE TABLE published_loads (
    load_id       bigint PRIMARY KEY,
    publication   bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    published_at  timestamptz,
    published_xid xid8 NOT NULL
);

CREATE FUNCTION published_loads_record() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Publications are serialized by the load lock, so identity order is publication order
    -- (xids are handed out when a load starts writing, not when it publishes).
    INSERT INTO published_loads (load_id, published_at, published_xid)
    VALUES (NEW.live_load, NEW.published_at, pg_current_xact_id())
    ON CONFLICT (load_id) DO UPDATE
        SET publication = DEFAULT, published_at = EXCLUDED.published_at, published_xid = EXCLUDED.published_xid;
    RETURN NULL;
END
$$;

CREATE TRIGGER published_loads_record
AFTER UPDATE OF live_load ON dataset
FOR EACH ROW WHEN (NEW.live_load IS NOT NULL AND NEW.live_load IS DISTINCT FROM OLD.live_load)
EXECUTE FUNCTION published_loads_record();

-- Loads stored before this history existed: every partition, oldest number first, the live one last.
INSERT INTO published_loads (load_id, published_at, published_xid)
SELECT substring(child.relname FROM '^deal_rows_([0-9]+)$')::bigint,
       CASE WHEN child.relname = 'deal_rows_' || dataset.live_load THEN dataset.published_at END,
       pg_current_xact_id()
  FROM pg_inherits
  JOIN pg_class child ON child.oid = pg_inherits.inhrelid
 CROSS JOIN dataset
 WHERE pg_inherits.inhparent = 'deal_rows'::regclass
   AND child.relname ~ '^deal_rows_[0-9]+$'
 ORDER BY child.relname = 'deal_rows_' || dataset.live_load, substring(child.relname FROM '^deal_rows_([0-9]+)$')::bigint;

-- Every stored load's rows, trimmed as deals trims them. LEFT JOIN on a unique key: a query that
-- does not ask for published_at skips the join (the per-load report reads it this way).
CREATE VIEW deals_by_load AS
SELECT deal_rows.load_id,
       published_loads.published_at,
       btrim(deal_rows.customer) AS customer,
       btrim(deal_rows.item)     AS item,
       deal_rows.total,
       deal_rows.quantity,
       deal_rows.date
  FROM deal_rows
  LEFT JOIN published_loads ON published_loads.load_id = deal_rows.load_id;

-- The loads kept as partitions (DEALS_KEEP_LOADS of them once cleanup has run), read from the
-- catalog rather than the rows: a partition being detached is already gone from here.
CREATE VIEW kept_loads AS
SELECT published_loads.load_id,
       published_loads.publication,
       published_loads.published_at,
       published_loads.load_id IS NOT DISTINCT FROM dataset.live_load AS live
  FROM published_loads
 CROSS JOIN dataset
 WHERE EXISTS (
       SELECT FROM pg_inherits
        WHERE pg_inherits.inhparent = 'deal_rows'::regclass
          AND pg_inherits.inhrelid = to_regclass('deal_rows_' || published_loads.load_id)
          AND NOT pg_inherits.inhdetachpending);

COMMENT ON TABLE published_loads IS 'Every publication of a load (written by a trigger on dataset): when it went live; kept after its rows are dropped.';
COMMENT ON COLUMN published_loads.load_id IS 'Number of the load (dataset.live_load, deal_rows.load_id, uploads.load_id).';
COMMENT ON COLUMN published_loads.publication IS 'Order of publication: the highest is the live load.';
COMMENT ON COLUMN published_loads.published_at IS 'When the load was published (NULL for a load published before this history existed).';
COMMENT ON COLUMN published_loads.published_xid IS 'Transaction that published it; cleanup waits until every snapshot is newer than the one that retired a load.';
COMMENT ON FUNCTION published_loads_record() IS 'Records each change of dataset.live_load in published_loads, in the publishing transaction.';
COMMENT ON VIEW deals_by_load IS 'The deals of every kept load (DEALS_KEEP_LOADS), with its load_id and published_at; deals is the live one.';
COMMENT ON COLUMN deals_by_load.load_id IS 'Number of the load the deal came with.';
COMMENT ON COLUMN deals_by_load.published_at IS 'When that load was published.';
COMMENT ON COLUMN deals_by_load.customer IS 'Login of the buyer.';
COMMENT ON COLUMN deals_by_load.item IS 'Name of the gem bought.';
COMMENT ON COLUMN deals_by_load.total IS 'Amount of the deal (whole number, not negative).';
COMMENT ON COLUMN deals_by_load.quantity IS 'Pieces bought (positive).';
COMMENT ON COLUMN deals_by_load.date IS 'When the deal was registered.';
COMMENT ON VIEW kept_loads IS 'The loads whose rows are kept: the live one and the DEALS_KEEP_LOADS - 1 published before it (and, until cleanup can drop them, older ones a reader still holds).';
COMMENT ON COLUMN kept_loads.load_id IS 'Number of the load.';
COMMENT ON COLUMN kept_loads.publication IS 'Order of publication (highest: the live load); ORDER BY publication DESC lists the newest first.';
COMMENT ON COLUMN kept_loads.published_at IS 'When it was published.';
COMMENT ON COLUMN kept_loads.live IS 'True for the load that deals and the report show.';
