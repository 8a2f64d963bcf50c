-- A year's closing date for late deliveries (indicators/config.py).
--
-- year_closes_on: the closing date the stored figures of the row's year used: until that date every
-- nightly run recomputes the year (late deliveries count), from it the stored rows are final.
-- Null for rows stored before this migration (then a year closed on 1 January of the next year).
alter table agg_indicator add column if not exists year_closes_on date;
