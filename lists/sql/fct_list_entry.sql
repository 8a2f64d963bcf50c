-- fct_list_entry: the list per wijkteam on $as_of, in lanes (rules/lanes.yaml, rules/lanes.py).
-- Grain: one row per household per as-of date.
-- Who is on it: every signalled household — every household with features on $as_of, i.e. with a
-- signal in the lookback window. Nobody with a financial signal is left off (Wgs).
-- Lane: the first lane, in the order of rules/lanes.yaml, that a rule fired for the household routes
-- to; a household no such rule fired for is in the default lane. Rules give reasons; they never
-- order the ranked lane.
-- Order: in a lane ordered by date, the earliest date of its routing rules first, then the score;
-- in the ranked lane the score (descending), then the longest-waiting household (earliest first
-- signal), then household_id — a total, reproducible order. `rank` is the place in the team's whole
-- list (lanes in order), `lane_rank` the place within the lane.
-- Capacity: only a lane with a capacity line has one: its first `capacity` households (the team's
-- weekly capacity) are within capacity; in a lane without one, every household is (all need
-- action now).
-- Reasons: in the acute lane the routing rule's reason first; then the scorecard's largest positive
-- contributions ("label: bin (+n punten)"); a household without a positive contribution shows its
-- rule reasons, and one without those either its latest signal (every entry explains itself).
-- New and changed (rules/lanes.yaml `changes`): compared with the previous list, whose date is
-- stored (compared_with); changes_nl says what changed. Households in an active trajectory are
-- marked (is_in_trajectory) and not listed as new unless they are in the first lane.
-- wgs_open: the household's financial signals that await follow-up (fct_wgs_followup, built first).
-- _lanes (lane, lane_order, lane_label, has_capacity_line, is_by_date, channel), _teams
-- (wijkteam, capacity) and _feeds (feed, title: the contracts' Dutch names) are registered by the
-- caller (lists/build.py); $months are the Dutch month names.
delete from fct_list_entry where as_of_date = $as_of;
insert into fct_list_entry by name

with features as (
    select * from int_household__features where as_of_date = $as_of
),

hits as (
    select * from int_rule_hit where as_of_date = $as_of
),

routed as (
    -- the lane a household's rules route it to: the first in lane order, with its earliest date
    select
        h.household_id,
        arg_min(
            {'lane': h.lane, 'acute_date': h.acute_date, 'action_nl': h.action_nl, 'reason_nl': h.reason_nl},
            (l.lane_order, h.acute_date, h.rule_id)
        ) as route
    from hits as h
    inner join _lanes as l using (lane)
    group by h.household_id
),

reasons as (
    select household_id, list(reason_nl order by rule_id) as rule_reasons, list(rule_id order by rule_id) as rules_fired
    from hits
    group by household_id
),

scores as (
    select
        *,
        list_filter(contributions, lambda c: c.points > 0) as positive
    from int_household__score
    where as_of_date = $as_of
),

wgs as (
    select household_id, count(*) filter (where is_open)::integer as wgs_open
    from fct_wgs_followup
    where as_of_date = $as_of
    group by household_id
),

previous as (
    -- the list compared with: the latest earlier one (none: the first list)
    select max(as_of_date) as previous_date from fct_list_entry where as_of_date < $as_of
),

previous_list as (
    select l.wijkteam, l.household_id, l.lane as previous_lane, l.risk as previous_risk,
           f.eviction_stage as previous_stage
    from fct_list_entry as l
    left join int_household__features as f using (as_of_date, household_id)
    where l.as_of_date = (select previous_date from previous)
),

new_signals as (
    -- the feeds of the household's signals that became known after the previous list
    select s.household_id, list(distinct lower(fd.title) order by lower(fd.title)) as feeds
    from household_signal($as_of) as s
    inner join _feeds as fd using (feed)
    where s.known_date > (select previous_date from previous)
    group by s.household_id
),

entries as (
    select
        f.household_id, f.wijkteam, f.address_key, f.first_signal_date, f.has_financial_signal,
        f.has_active_trajectory, f.eviction_stage,
        'Laatste signaal (' || lower(fd.title) || ') op ' || day(f.last_signal_date) || ' '
            || $months[month(f.last_signal_date)] || ' ' || year(f.last_signal_date) as latest_signal_reason,
        coalesce(ro.route.lane, $default_lane) as lane,
        ro.route.acute_date as acute_date,
        ro.route.action_nl as action_nl,
        ro.route.reason_nl as route_reason,
        coalesce(s.score, 0) as score,
        s.risk,
        s.model_version,
        s.contributions as score_points,
        s.positive,
        coalesce(r.rule_reasons, []) as rule_reasons,
        coalesce(r.rules_fired, []) as rules_fired,
        coalesce(w.wgs_open, 0) as wgs_open
    from features as f
    left join routed as ro using (household_id)
    left join reasons as r using (household_id)
    left join scores as s using (household_id)
    left join wgs as w using (household_id)
    left join _feeds as fd on fd.feed = f.last_signal_feed
),

laned as (
    select e.*, l.lane_order, l.lane_label, l.has_capacity_line, l.is_by_date, l.channel
    from entries as e
    inner join _lanes as l using (lane)
),

ranked as (
    select
        *,
        row_number() over (
            partition by wijkteam, lane
            order by case when is_by_date then acute_date end nulls last, score desc, first_signal_date,
                household_id
        ) as lane_rank
    from laned
),

placed as (
    select
        *,
        row_number() over (partition by wijkteam order by lane_order, lane_rank) as rank
    from ranked
),

compared as (
    -- rules/lanes.yaml `changes`: what is new and what changed since the previous list
    select
        p.*,
        pv.previous_date,
        prev.household_id is not null as was_listed,
        list_filter(
            [
                case when len(ns.feeds) > 0 then
                    (case when len(ns.feeds) = 1 then 'Nieuw signaal: ' else 'Nieuwe signalen: ' end)
                    || array_to_string(ns.feeds, ', ')
                end,
                case when p.eviction_stage is distinct from prev.previous_stage and p.eviction_stage is not null then
                    case when prev.previous_stage is null
                        then 'Ontruimingsprocedure: ' || replace(p.eviction_stage, '_', ' ')
                        else 'Ontruimingsprocedure van ' || replace(prev.previous_stage, '_', ' ') || ' naar '
                            || replace(p.eviction_stage, '_', ' ')
                    end
                end,
                case when p.lane <> prev.previous_lane then
                    'Nu in ' || p.lane_label || ' (was ' || pl.lane_label || ')'
                end,
                case when p.risk - prev.previous_risk >= $risk_rise_min then
                    'Geschatte kans gestegen van ' || replace(printf('%.2f', 100 * prev.previous_risk), '.', ',')
                    || '% naar ' || replace(printf('%.2f', 100 * p.risk), '.', ',') || '%'
                end
            ],
            lambda c: c is not null
        ) as changes
    from placed as p
    cross join previous as pv
    left join previous_list as prev using (wijkteam, household_id)
    left join _lanes as pl on pl.lane = prev.previous_lane
    left join new_signals as ns using (household_id)
),

final as (
    select
        cast($as_of as date) as as_of_date,
        p.wijkteam,
        p.household_id,
        p.rank,
        p.lane,
        p.lane_rank,
        p.score,
        not p.has_capacity_line or p.lane_rank <= coalesce(c.capacity, $default_capacity) as is_within_capacity,
        -- in a trajectory: known to the team, so not "new" again unless in the first lane
        p.previous_date is not null and not p.was_listed and (not p.has_active_trajectory or p.lane_order = 1)
            as is_new,
        p.previous_date as compared_with,
        p.was_listed and len(p.changes) > 0 as is_changed,
        case when p.was_listed then p.changes else [] end as changes_nl,
        p.eviction_stage,
        p.has_active_trajectory as is_in_trajectory,
        p.has_financial_signal,
        p.address_key,
        p.first_signal_date,
        p.acute_date,
        case
            when p.route_reason is null and len(coalesce(p.positive, [])) = 0 and len(p.rule_reasons) = 0
                then [p.latest_signal_reason]
            when p.route_reason is null and len(coalesce(p.positive, [])) = 0 then p.rule_reasons[1:3]
            else (
                case when p.route_reason is null then [] else [p.route_reason] end
                || list_transform(
                    coalesce(p.positive, []),
                    lambda c: c.label || ': ' || c.bin || ' (+' || c.points::varchar
                        || case when c.points = 1 then ' punt)' else ' punten)' end
                )
            )[1:3]
        end as reasons_nl,
        p.rule_reasons as rule_reasons_nl,
        p.score_points,
        p.risk,
        coalesce(p.model_version, 'geen') as model_version,
        p.rules_fired,
        coalesce(p.action_nl, p.channel) as suggested_action,
        p.wgs_open,
        $rules_version as rules_version,
        $code_version as code_version,
        $run_id as run_id
    from compared as p
    left join _teams as c using (wijkteam)
)

select * from final
