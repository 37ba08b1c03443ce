-- name: date_finite
-- Why: PostgreSQL's timestamp input takes 'infinity' and '-infinity', which are not dates a deal
-- can have; the check runs inside COPY like the others, so the line is reported (load/copy_errors.py
-- maps the name date_finite to its message). The DROP makes it safe on a database created while
-- 0001 itself briefly carried this check.
ALTER TABLE deal_rows DROP CONSTRAINT IF EXISTS date_finite;
ALTER TABLE deal_rows ADD CONSTRAINT date_finite CHECK (isfinite(date));
