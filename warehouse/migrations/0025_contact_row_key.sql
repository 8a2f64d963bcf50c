-- The household page shows the names and contact details delivered with the signals at one
-- address (portal/reads.py contact_names): a handful of (delivery_id, line_no) rows of
-- pii_contact. DuckDB uses an index only for a filter on one column, and a join never uses one, so
-- every first view of a household scanned all of pii_contact (10 million rows at country scale,
-- ~0.25 s of both cores; bench/, BENCHMARKS.md). Each row now carries `row_key`, one number naming
-- its delivered row — the lower 64 bits of the MD5 of "delivery_id/line_no" (contact_row_key: the
-- same value in every DuckDB version, unlike hash()) — and an ART index on it (0026: DuckDB makes
-- no index in the transaction that filled the column). The page looks
-- rows up by key and keeps only the exact (delivery_id, line_no) pairs, so a collision costs
-- nothing but a row read.
--
-- The index is maintained on every intake insert and retention delete (bench/intake.py measures
-- the intake with it). DuckDB cannot alter a table an index depends on: a later migration that
-- changes pii_contact's columns drops pii_contact_row_key first and makes it again.
create or replace macro contact_row_key(delivery_id, line_no) as
    md5_number_lower(delivery_id || '/' || line_no::varchar);

alter table pii_contact add column row_key ubigint;

update pii_contact set row_key = contact_row_key(delivery_id, line_no);
