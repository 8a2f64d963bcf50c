-- Stored paths are relative to the workspace root (warehouse/workspace.py, Workspace.resolve), so a
-- workspace copied or restored elsewhere reads and purges its own archive, never the original's.
-- The only stored path is raw_delivery.archive_path. The intake always archives to
-- <workspace>/archive/<sha[:2]>/<sha>.<format> (signals/intake.py), so an absolute path ending in
-- that layout is under its workspace and becomes `archive/<sha[:2]>/<sha>.<format>`. Any other
-- absolute path stays as it is; the purge never deletes a file outside its workspace.
update raw_delivery
set archive_path = regexp_extract(archive_path, '(archive/[0-9a-f]{2}/[0-9a-f]{64}\.[A-Za-z0-9]+)$', 1)
where archive_path like '/%'
    and regexp_matches(archive_path, '/archive/[0-9a-f]{2}/[0-9a-f]{64}\.[A-Za-z0-9]+$');
