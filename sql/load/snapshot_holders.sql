-- name: snapshot_holders
-- Why: an old partition may be dropped only when no open snapshot can still read it: a
-- REPEATABLE READ transaction that began before the publication that retired it keeps reading
-- the old pointer, and would find the partition gone (an empty deals, silently). A backend's
-- xmin at or before that transaction means its snapshot may predate it (conservative: an older
-- transaction still running also holds xmin back). NULL retired_xid (unknown): any snapshot.
-- Loads and other cleanup passes are left out: a load waiting for the load lock
-- (sql/load/load_lock.sql) or holding its owner lock (sql/load/load_next_id.sql) reads deals only
-- in its refresh, after its own publish, so never an old partition; its COPY streams
-- (sql/load/stream_mark.sql) read only their own new tables; a pass waiting for the cleanup lock
-- (sql/load/cleanup_lock.sql) reads only the catalog. Counting them would let uploads streaming
-- side by side block each other's cleanup.
-- With with_locks, also the sessions holding a lock on deal_rows or the partition, which a
-- DETACH ... CONCURRENTLY waits for: together, everyone who keeps the partition alive.
SELECT activity.pid,
       activity.application_name,
       activity.usename,
       activity.state,
       activity.xact_start
  FROM pg_stat_activity AS activity
 WHERE activity.datname = current_database()
   AND activity.backend_type = 'client backend'
   AND activity.pid <> pg_backend_pid()
   AND ((activity.backend_xmin IS NOT NULL
         AND (%(retired_xid)s::xid8 IS NULL
              OR age(activity.backend_xmin) >= age(%(retired_xid)s::xid8::xid))
         AND NOT EXISTS (
                SELECT FROM pg_locks
                 WHERE pg_locks.pid = activity.pid
                   AND pg_locks.locktype = 'advisory'
                   AND ((pg_locks.objsubid = 1
                         AND ((pg_locks.classid::bigint << 32) | pg_locks.objid::bigint)
                             IN (hashtext('deals-report: load')::bigint, hashtext('deals-report: cleanup')::bigint))
                        OR (pg_locks.objsubid = 2
                            AND pg_locks.classid IN (hashtext('deals-report: load owner')::oid,
                                                     hashtext('deals-report: load stream')::oid)))))
        OR (%(with_locks)s AND EXISTS (
                SELECT FROM pg_locks
                 WHERE pg_locks.pid = activity.pid
                   AND pg_locks.granted
                   AND pg_locks.relation IN ('deal_rows'::regclass, to_regclass(%(partition)s)))))
 ORDER BY activity.xact_start NULLS LAST, activity.pid
