-- Labels of the training snapshots whose horizon (rules/scorecard.yaml, label_horizon_days) plus
-- the grace for late deliveries (training.label_grace_days) has passed on $as_of: did an eviction
-- procedure at the household's address reach one of $stages within the horizon, when first, and
-- was an eviction executed? Set once per snapshot (labelled_on); called by
-- evaluation/snapshots.py, record_snapshots.
-- snapshots whose horizon (plus the grace for late deliveries) has passed and that have no label
create or replace temp table _due as
select distinct as_of_date
from mart_training_snapshot
where label is null and as_of_date + to_days($horizon + $grace) <= $as_of;

update mart_training_snapshot
set label = false, escalation_date = null, eviction_date = null, labelled_on = $as_of
where as_of_date in (select as_of_date from _due);

-- an eviction procedure at the household's address reaching a label stage within the horizon, as
-- known on the labelling day (the latest version of every delivered row)
create or replace temp table _outcome as
select
    s.as_of_date,
    s.household_id,
    min(k.event_date) as escalation_date,
    min(k.event_date) filter (where k.stage = $executed) as eviction_date
from mart_training_snapshot as s
inner join known_signal($as_of) as k
    on k.address_key = s.address_key and k.feed = 'ontruiming' and list_contains($stages, k.stage)
    and k.event_date > s.as_of_date and k.event_date <= s.as_of_date + to_days($horizon)
where s.as_of_date in (select as_of_date from _due)
group by all;

update mart_training_snapshot as s
set label = true, escalation_date = o.escalation_date, eviction_date = o.eviction_date
from _outcome as o
where s.as_of_date = o.as_of_date and s.household_id = o.household_id;

drop table _outcome;
drop table _due;
