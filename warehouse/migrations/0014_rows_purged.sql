-- Rows of a delivery deleted by retention (loaded rows of expired signals, quarantined rows after
-- the quarantine term): for every delivery, rows in raw_rows + rows_purged = rows_read.
alter table raw_delivery add column rows_purged integer default 0;
