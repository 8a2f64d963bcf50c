-- When the retention purge deleted a delivery's archived file (its rows had all expired). The
-- metadata row stays: what was delivered, when, and how many rows, never what was in it.
alter table raw_delivery add column if not exists archive_purged_at timestamptz;
