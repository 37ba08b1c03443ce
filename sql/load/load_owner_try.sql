-- name: load_owner_try
-- Why: a table of a load still running must never be dropped: the load holds this lock from
-- the moment it takes its number until its transaction ends, so cleanup gets it only for tables
-- nobody is loading. Transaction-scoped: released when cleanup's own drop commits.
SELECT pg_try_advisory_xact_lock(hashtext('deals-report: load owner'), (%(load_id)s %% 2147483647)::integer)
