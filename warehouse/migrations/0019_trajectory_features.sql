-- Household features for the ranking (signals/features.py): the arrears over the whole lookback
-- (not only the financial window), how long they have been running, repeat signals, a broken
-- payment arrangement, water signals over the lookback, and the time in the eviction stage.
alter table int_household__features add column last_arrears_months decimal(8, 2);
alter table int_household__features add column last_arrears_eur decimal(12, 2);
alter table int_household__features add column days_since_arrears_signal bigint;
alter table int_household__features add column months_in_arrears decimal(8, 1);
alter table int_household__features add column arrears_signals_long_window bigint;
alter table int_household__features add column has_broken_arrangement boolean;
alter table int_household__features add column water_signals_long_window bigint;
alter table int_household__features add column days_in_eviction_stage bigint;
alter table int_household__features add column last_signal_feed varchar;
alter table int_household__features add column eviction_reason varchar;
alter table int_household__features add column unreached_contact_attempts bigint;
