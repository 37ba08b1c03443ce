-- name: progress_record
-- Why: a running upload's progress, written from a connection of its own (the load's transaction
-- would hide it until commit) at most about once a second; never over the final record, which
-- sets the status.
UPDATE uploads
   SET phase = %(phase)s,
       bytes_received = %(bytes_received)s,
       copy_pids = %(copy_pids)s::integer[],
       rows_copied = %(rows_copied)s
 WHERE id = %(upload_id)s
   AND status = 'running'
