-- name: live_load
-- Why: after its commit, an upload tells its client whether its file is still the live dataset:
-- uploads publish one at a time, and one that published after it has replaced it.
SELECT live_load FROM dataset
