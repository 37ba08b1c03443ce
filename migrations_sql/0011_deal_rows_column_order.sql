-- name: deal_rows_column_order
-- Why: 0010 appended stream after date; rows end 8-byte aligned after date, so those 2 bytes cost
-- a whole 8 per row (+8.9% heap, docs/benchmarks-history.md, "Per-row costs"). Right after quantity, stream sits
-- in the 4 bytes of padding before date and costs nothing. PostgreSQL cannot move a column, so the
-- parent is built anew in this order and 0011_deal_rows_swap.sql puts it in deal_rows' place; each
-- load's stream tables are created LIKE deal_rows (sql/load/stream_create.sql) and take this order.
-- Loads stored before keep their own layout: a partition may order its columns unlike its parent.
CREATE TABLE deal_rows_reordered (
    load_id  bigint      NOT NULL,
    customer text        NOT NULL,
    item     text        NOT NULL,
    total    bigint      NOT NULL,
    quantity integer     NOT NULL,
    stream   smallint    NOT NULL DEFAULT 0,
    date     timestamptz NOT NULL
) PARTITION BY LIST (load_id);
