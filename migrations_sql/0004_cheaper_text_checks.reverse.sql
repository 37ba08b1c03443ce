-- name: cheaper_text_checks_reverse
-- Why: lets `migrate deals 0003` restore the checks exactly as 0001 wrote them.
ALTER TABLE deal_rows
    DROP CONSTRAINT customer_not_blank,
    DROP CONSTRAINT customer_max_length,
    DROP CONSTRAINT item_not_blank,
    DROP CONSTRAINT item_max_length;
ALTER TABLE deal_rows
    ADD CONSTRAINT customer_not_blank CHECK (btrim(customer) <> ''),
    ADD CONSTRAINT customer_max_length CHECK (char_length(btrim(customer)) <= 255),
    ADD CONSTRAINT item_not_blank CHECK (btrim(item) <> ''),
    ADD CONSTRAINT item_max_length CHECK (char_length(btrim(item)) <= 255);
