-- Knowledge dates (signals/receipts.py).
--
-- received_basis: how a delivery's received_at (its knowledge date) was established, never from a
-- file's mtime: receipt (upload, API, `vroeg ingest`), first_sight (a drop-folder file, when a
-- nightly run first saw it), history_manifest or history_file_name (an explicit history import).
-- Null for deliveries taken in before this migration (their received_at was the file's mtime).
alter table raw_delivery add column if not exists received_basis varchar;
