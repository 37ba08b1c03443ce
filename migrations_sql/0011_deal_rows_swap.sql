-- name: deal_rows_swap
-- Why: puts deal_rows_reordered (just created, empty) in the place of deal_rows, in the migration's
-- transaction: readers see the old parent or the new one, never neither. Everything is copied from
-- the catalog, not restated, so nothing can drift: the CHECKs with their names (deals/messages.py
-- maps names to messages), the descriptions, the grants (the analysts' role); every load's
-- partition moves over with DETACH and ATTACH, which read no row (each carries a CHECK on load_id
-- that proves its bound) and keep its own column order. A partition caught in a DETACH ...
-- CONCURRENTLY is finished and left out, as cleanup would have (it sweeps such orphans). The views
-- over deal_rows (deals, deals_by_load, kept_loads) are re-created from their own definitions, read
-- before the rename, so they name the new table and keep their identity, grants and dependants;
-- the report's materialized view cannot be replaced, so it is rebuilt with its indexes,
-- descriptions and grants (django-pgviews then finds its SQL unchanged and keeps it).
-- Runnable in psql after the CREATE TABLE of 0011_deal_rows_column_order.sql, in one transaction.
DO $swap$
DECLARE
    old_parent CONSTANT regclass := 'deal_rows';
    new_parent CONSTANT regclass := 'deal_rows_reordered';
    detail record;
    dependant record;
    detail_sql text;
BEGIN
    FOR detail IN
        SELECT conname, pg_get_constraintdef(oid) AS definition
          FROM pg_constraint WHERE conrelid = old_parent AND contype = 'c' ORDER BY conname
    LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', new_parent, detail.conname, detail.definition);
    END LOOP;

    EXECUTE format('COMMENT ON TABLE %s IS %L', new_parent, obj_description(old_parent, 'pg_class'));
    FOR detail IN
        SELECT attname, col_description(old_parent, attnum) AS description
          FROM pg_attribute WHERE attrelid = old_parent AND attnum > 0 AND NOT attisdropped
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', new_parent, detail.attname, detail.description);
    END LOOP;

    FOR detail IN
        SELECT acl.privilege_type,
               CASE acl.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(acl.grantee)) END AS grantee
          FROM pg_class, aclexplode(pg_class.relacl) AS acl
         WHERE pg_class.oid = old_parent AND acl.grantee <> pg_class.relowner
    LOOP
        EXECUTE format('GRANT %s ON %s TO %s', detail.privilege_type, new_parent, detail.grantee);
    END LOOP;

    FOR detail IN
        SELECT inhrelid::regclass AS partition, inhdetachpending AS pending,
               pg_get_expr(pg_class.relpartbound, inhrelid) AS bound
          FROM pg_inherits JOIN pg_class ON pg_class.oid = inhrelid
         WHERE inhparent = old_parent ORDER BY inhrelid
    LOOP
        IF detail.pending THEN
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s FINALIZE', old_parent, detail.partition);
        ELSE
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', old_parent, detail.partition);
            EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s %s', new_parent, detail.partition, detail.bound);
        END IF;
    END LOOP;

    -- The views over deal_rows, read before the rename (their definitions then name deal_rows),
    -- with what rebuilding a materialized view would lose: indexes, descriptions, grants.
    CREATE TEMPORARY TABLE deal_rows_dependants ON COMMIT DROP AS
    SELECT view_class.oid::regclass::text AS view,
           view_class.relkind = 'm' AS materialized,
           view_class.relispopulated AS populated,
           pg_get_viewdef(view_class.oid) AS definition,
           ARRAY(SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = view_class.oid)
           || ARRAY(SELECT format('COMMENT ON MATERIALIZED VIEW %s IS %L', view_class.oid::regclass,
                                  obj_description(view_class.oid, 'pg_class')))
           || ARRAY(SELECT format('COMMENT ON COLUMN %s.%I IS %L', view_class.oid::regclass, attname,
                                  col_description(view_class.oid, attnum))
                      FROM pg_attribute WHERE attrelid = view_class.oid AND attnum > 0 AND NOT attisdropped)
           || ARRAY(SELECT format('GRANT %s ON %s TO %s', acl.privilege_type, view_class.oid::regclass,
                                  CASE acl.grantee WHEN 0 THEN 'PUBLIC'
                                                   ELSE quote_ident(pg_get_userbyid(acl.grantee)) END)
                      FROM aclexplode(view_class.relacl) AS acl WHERE acl.grantee <> view_class.relowner)
           AS restore
      FROM pg_class AS view_class
     WHERE view_class.oid IN (
           SELECT pg_rewrite.ev_class
             FROM pg_depend JOIN pg_rewrite ON pg_rewrite.oid = pg_depend.objid
            WHERE pg_depend.classid = 'pg_rewrite'::regclass
              AND pg_depend.refclassid = 'pg_class'::regclass
              AND pg_depend.refobjid = old_parent)
       AND view_class.oid <> old_parent;

    EXECUTE format('ALTER TABLE %s RENAME TO deal_rows_retired', old_parent);
    EXECUTE format('ALTER TABLE %s RENAME TO deal_rows', new_parent);

    FOR dependant IN
        SELECT view, materialized, populated, restore, rtrim(definition, '; ' || chr(10)) AS query
          FROM deal_rows_dependants ORDER BY view
    LOOP
        IF NOT dependant.materialized THEN
            EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', dependant.view, dependant.query);
            CONTINUE;
        END IF;
        EXECUTE format('DROP MATERIALIZED VIEW %s', dependant.view);
        EXECUTE format('CREATE MATERIALIZED VIEW %s AS %s WITH %s', dependant.view, dependant.query,
                       CASE WHEN dependant.populated THEN 'DATA' ELSE 'NO DATA' END);
        FOREACH detail_sql IN ARRAY dependant.restore LOOP
            EXECUTE detail_sql;
        END LOOP;
    END LOOP;
    DROP TABLE deal_rows_dependants;

    EXECUTE format('DROP TABLE %s', old_parent);
END
$swap$;
