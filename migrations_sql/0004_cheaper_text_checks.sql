-- name: cheaper_text_checks
-- Why: COPY evaluates every CHECK on every row, and btrim() copies each value it looks at: the
-- four text checks of 0001 made COPY about 40% slower (docs/benchmarks-history.md, "Where the time went"). These have the
-- same meaning and the same names (deals/load/copy_errors.py maps names to messages) but test the
-- cheap, common case first: a value that does not start with a space is not blank, and one of at
-- most 255 bytes is at most 255 characters; only other values pay for btrim().
ALTER TABLE deal_rows
    DROP CONSTRAINT customer_not_blank,
    DROP CONSTRAINT customer_max_length,
    DROP CONSTRAINT item_not_blank,
    DROP CONSTRAINT item_max_length;
ALTER TABLE deal_rows
    ADD CONSTRAINT customer_not_blank
        CHECK ((customer <> '' AND customer NOT LIKE ' %') OR btrim(customer) <> ''),
    ADD CONSTRAINT customer_max_length
        CHECK (octet_length(customer) <= 255 OR char_length(btrim(customer)) <= 255),
    ADD CONSTRAINT item_not_blank
        CHECK ((item <> '' AND item NOT LIKE ' %') OR btrim(item) <> ''),
    ADD CONSTRAINT item_max_length
        CHECK (octet_length(item) <= 255 OR char_length(btrim(item)) <= 255);
