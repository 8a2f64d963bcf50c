-- fct_list_entry: the list per wijkteam on $as_of. Grain: one row per household per as-of date.
-- Who is on it: every household with a financial signal (Wgs: all are followed up), and every
-- other household for which at least one rule fired. Rules decide the tier; within a tier the
-- order is score (descending), then the longest-waiting household (earliest first signal), then
-- household_id, so the order is total and reproducible.
-- Score: the scorecard's points when a scorecard is in use (int_household__score), and the top
-- three non-zero contributions are the reasons shown (a household whose signals earn no points
-- either way shows its rule reasons); before the first training, the rule points and rule
-- reasons (the "rules only" order).
-- Households in an active trajectory are marked (is_in_trajectory) and not listed as new unless
-- a crisis-tier signal arrives.
-- _tiers (tier, tier_rank, channel) and _teams (wijkteam, capacity) are registered by the caller.
delete from fct_list_entry where as_of_date = $as_of;
insert into fct_list_entry by name

with features as (
    select * from int_household__features where as_of_date = $as_of
),

hits as (
    select h.*, t.tier_rank
    from int_rule_hit as h
    inner join _tiers as t using (tier)
    where h.as_of_date = $as_of
),

per_household as (
    select
        household_id,
        min(tier_rank) as tier_rank,
        sum(points) as score,
        list(reason_nl order by points desc, rule_id) as reasons,
        list(rule_id order by rule_id) as rules_fired
    from hits
    group by household_id
),

scores as (
    select * from int_household__score where as_of_date = $as_of
),

previous_list as (
    select wijkteam, household_id
    from fct_list_entry
    where as_of_date = (select max(as_of_date) from fct_list_entry where as_of_date < $as_of)
),

entries as (
    select
        f.household_id, f.wijkteam, f.address_key, f.first_signal_date, f.has_financial_signal,
        f.has_active_trajectory,
        coalesce(p.tier_rank, (select max(tier_rank) from _tiers)) as tier_rank,
        coalesce(s.score, p.score, 0) as score,
        s.risk,
        s.model_version,
        s.contributions as score_points,
        coalesce(p.reasons, []) as rule_reasons,
        case
            -- no scorecard yet, or no points either way: the rule reasons explain the entry
            when s.household_id is null or len(list_filter(s.contributions, lambda c: c.points <> 0)) = 0
                then coalesce(p.reasons, [])
            else list_transform(
                list_filter(s.contributions, lambda c: c.points <> 0)[1:3],
                lambda c: c.label || ': ' || c.bin || ' (' || case when c.points > 0 then '+' else '' end
                     || c.points::varchar || case when abs(c.points) = 1 then ' punt)' else ' punten)' end
            )
        end as reasons,
        coalesce(p.rules_fired, []) as rules_fired
    from features as f
    left join per_household as p using (household_id)
    left join scores as s using (household_id)
    where f.has_financial_signal or p.household_id is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by wijkteam order by tier_rank, score desc, first_signal_date, household_id
        ) as rank
    from entries
),

final as (
    select
        cast($as_of as date) as as_of_date,
        r.wijkteam,
        r.household_id,
        r.rank,
        t.tier,
        r.score,
        r.rank <= coalesce(c.capacity, $default_capacity) as is_within_capacity,
        -- in a trajectory: known to the team, so not "new" again unless the tier is the highest
        prev.household_id is null and (not r.has_active_trajectory or r.tier_rank = 1) as is_new,
        r.has_active_trajectory as is_in_trajectory,
        r.has_financial_signal,
        r.address_key,
        r.first_signal_date,
        r.reasons[1:3] as reasons_nl,
        r.rule_reasons as rule_reasons_nl,
        r.score_points,
        r.risk,
        coalesce(r.model_version, 'geen (alleen regels)') as model_version,
        r.rules_fired,
        t.channel as suggested_channel,
        $rules_version as rules_version,
        $code_version as code_version,
        $run_id as run_id
    from ranked as r
    inner join _tiers as t using (tier_rank)
    left join _teams as c using (wijkteam)
    left join previous_list as prev using (wijkteam, household_id)
)

select * from final
