-- name: deal_rows_column_order_reverse
-- Why: lets `migrate deals 0010` undo 0011: deal_rows built again in 0010's order (stream last),
-- put in place by the same 0011_deal_rows_swap.sql; every stored load moves along unchanged.
CREATE TABLE deal_rows_reordered (
    load_id  bigint      NOT NULL,
    customer text        NOT NULL,
    item     text        NOT NULL,
    total    bigint      NOT NULL,
    quantity integer     NOT NULL,
    date     timestamptz NOT NULL,
    stream   smallint    NOT NULL DEFAULT 0
) PARTITION BY LIST (load_id);
