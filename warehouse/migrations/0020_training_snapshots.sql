-- Training snapshots: the household features of every month-end, as known on that day, kept apart
-- from the per-date tables (which the retention purge empties after `lists_months`) so that refits
-- learn from the history the installation had, not from what survived the purge of raw signals.
-- Grain: one row per household per month-end. The label columns stay empty until the label horizon
-- (rules/scorecard.yaml) plus a grace period for late deliveries has passed
-- (evaluation/snapshots.py). Retention: `training_snapshot_months` in config/retention.yaml.
--
-- Every column of int_household__features is here too: a migration that adds a feature adds it to
-- both tables (tests/evaluation/test_snapshots.py checks that they match).
create table mart_training_snapshot as
select
    *,
    null::boolean as label,              -- reached a label stage within the horizon
    null::date as escalation_date,       -- the first such stage date in the horizon
    null::date as eviction_date,         -- an executed eviction in the horizon
    null::date as labelled_on            -- the as-of date of the run that set the label
from int_household__features
limit 0;
