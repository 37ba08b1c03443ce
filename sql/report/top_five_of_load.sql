-- name: top_five_of_load
-- Why: the top five of any kept load, computed by the report's own SQL (sql/report/top_customers.sql
-- over sql/report/deals_of_load.sql), so the report and the per-load view cannot disagree.
-- Re-created each time django-pgviews syncs the report, so it follows every change of that file.
-- Placeholders (psycopg2.sql): report.
CREATE OR REPLACE FUNCTION top_five_of_load(wanted_load bigint)
RETURNS TABLE (rank smallint, username text, spent_money bigint, gems text[])
LANGUAGE sql STABLE PARALLEL SAFE
AS $report$ {report} $report$;

COMMENT ON FUNCTION top_five_of_load(bigint) IS 'The report (five biggest spenders and their shared gems) of one kept load; the SQL of top_customers.';
