-- name: reader_grants
-- Why: analysts read the documented tables and views and nothing else: no writes, no DDL (the
-- schema grants them USAGE only), no Django tables, no sequences, and not the uploads' error
-- texts, which quote lines of files that were refused and so never became data anyone may read.
-- Default privileges make what the owner creates later readable too: each load's partition, and
-- the report's materialized view when django-pgviews rebuilds it. Granting is idempotent; it runs
-- after every migrate (deals/apps.py) while the role exists.
-- Placeholders (psycopg2.sql): reader, owner.
GRANT USAGE ON SCHEMA public TO {reader};
GRANT SELECT ON deals, customer_totals, gem_sales, top_customers, dataset, deal_rows,
                published_loads, deals_by_load, kept_loads, top_customers_by_load
   TO {reader};
GRANT SELECT (id, file_name, size_bytes, sha256, rows_loaded, load_id, status, http_status, started_at, finished_at,
               duration)
   ON uploads TO {reader};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT ON TABLES TO {reader}
