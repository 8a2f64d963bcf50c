-- int_household__features: the features of every signalled household as known on $as_of.
-- Grain: one row per household per as-of date. Only signals with known_date <= $as_of count
-- (knowledge date, not event date), and of a corrected row only the latest version known then.
-- Windows are parameters from rules/catalogue/ruleset.yaml (section `features`).
--
-- Households follow the rules of the macro household_signal (int_signal__linked.sql), applied here
-- with its scalar macros on one decision of who lives where (people_at_address) for both passes.
-- Every pick of "the latest" signal ends with supplier_code, source_ref: a total order, so the
-- same data always gives the same features (ties on dates used to be broken arbitrarily).
delete from int_household__features where as_of_date = $as_of;
insert into int_household__features by name

with person_pairs as (
    -- every (person, address) pair known, from one pass over all history: who lives at each address
    -- and who moved both follow from these (household_signal would decide it again for each use)
    select person_pseudonym, address_key
    from known_signal($as_of)
    where person_pseudonym is not null
    group by all
),

people_at_address as (
    -- exactly one person known at the address: the smallest and the largest are the same
    select address_key, min(person_pseudonym) as first_person, max(person_pseudonym) as last_person
    from person_pairs
    group by address_key
),

mover_addresses as (
    -- the addresses of people known at more than one address; a signal without a person only ever
    -- joins a person at an address where that person is known, so nobody else can have moved
    select distinct address_key
    from person_pairs
    where person_pseudonym in (select person_pseudonym from person_pairs group by 1 having count(*) > 1)
),

person_addresses as (
    -- every address such a person had signals at, with the first and last signal there (all history)
    select
        household_person_of(s.person_pseudonym, p.first_person, p.last_person) as household_person,
        s.address_key,
        min(s.event_date) as first_date,
        max(s.event_date) as last_date
    from known_signal($as_of) as s
    inner join people_at_address as p using (address_key)
    where s.address_key in (select address_key from mover_addresses)
    group by all
    having household_person is not null
),

moves as (
    -- a person whose signals at this address run later than a signal at another address
    select distinct household_key(a.address_key, a.household_person) as household_id
    from person_addresses as a
    inner join person_addresses as b
        on a.household_person = b.household_person and a.address_key <> b.address_key
        and b.first_date < a.last_date
),

recent as (
    -- the last year's signals with their household (household_signal's rules, on people_at_address),
    -- only the columns the features use: this is materialised once for all the steps below
    select
        household_key(address_key, household_person) as household_id,
        address_key, gemeente, wijk, buurt, wijkteam, feed, is_financial,
        event_date, known_at, supplier_code, source_ref, arrears_eur, arrears_months, arrears_since_date,
        monthly_rent_eur, has_payment_arrangement, stage, stage_date, planned_date, urgency, partner_type,
        is_crisis, eviction_reason
    from (
        select s.*, household_person_of(s.person_pseudonym, p.first_person, p.last_person) as household_person
        from known_signal($as_of) as s
        left join people_at_address as p using (address_key)
        where s.event_date > $as_of - to_days($lookback_days)
    )
),

rent as (
    select household_id, arrears_eur, arrears_months, arrears_since_date, monthly_rent_eur,
           has_payment_arrangement, event_date as arrears_signal_date
    from recent
    where feed = 'huurachterstand' and event_date > $as_of - to_days($financial_window_days)
    qualify row_number() over (partition by household_id order by event_date desc, known_at desc, supplier_code, source_ref) = 1
),

rent_history as (
    -- the rent arrears of the whole lookback: the latest signal (also when it is older than the
    -- financial window), how many signals, and whether an arrangement seen earlier is gone now
    select
        household_id,
        arg_max(
            {'months': arrears_months, 'eur': arrears_eur, 'since': arrears_since_date, 'signal': event_date,
             'arrangement': coalesce(has_payment_arrangement, false)},
            (event_date, known_at, supplier_code, source_ref)
        ) as latest,
        count(*) as arrears_signals_long_window,
        bool_or(coalesce(has_payment_arrangement, false)) as had_arrangement
    from recent
    where feed = 'huurachterstand'
    group by household_id
),

rent_earlier as (
    -- arrears trend: the amount of the latest signal before the current one, within the window
    select r.household_id, k.arrears_eur as previous_arrears_eur
    from rent as r
    inner join recent as k
        on k.household_id = r.household_id and k.feed = 'huurachterstand'
        and k.event_date < r.arrears_signal_date
    qualify row_number() over (
        partition by r.household_id order by k.event_date desc, k.known_at desc, k.supplier_code, k.source_ref
    ) = 1
),

eviction as (
    select household_id, stage as eviction_stage, event_date as eviction_stage_date,
           planned_date as planned_eviction_date, eviction_reason
    from recent
    where feed = 'ontruiming'
    qualify row_number() over (partition by household_id order by event_date desc, known_at desc, supplier_code, source_ref) = 1
),

water as (
    select household_id, stage as water_stage, event_date as water_signal_date,
           planned_date as planned_cutoff_date, arrears_eur as water_arrears_eur
    from recent
    where feed = 'waterafsluiting' and event_date > $as_of - to_days($financial_window_days)
    qualify row_number() over (partition by household_id order by stage_date desc, event_date desc, known_at desc, supplier_code, source_ref) = 1
),

ddas as (
    -- the latest DDAS vroegsignaal (energy, health insurance, … — any signaalpartner)
    select household_id, partner_type as ddas_partner, arrears_eur as ddas_amount_eur,
           event_date as ddas_signal_date
    from recent
    where feed = 'ddas' and event_date > $as_of - to_days($financial_window_days)
    qualify row_number() over (partition by household_id order by event_date desc, known_at desc, supplier_code, source_ref) = 1
),

counts as (
    select
        household_id,
        -- a household is one address (and person): these are the same on all its signals
        any_value(address_key) as address_key,
        any_value(gemeente) as gemeente,
        any_value(wijk) as wijk,
        any_value(buurt) as buurt,
        any_value(wijkteam) as wijkteam,
        count(*) filter (where feed = 'overlast' and event_date > $as_of - to_days($short_window_days))
            as nuisance_reports_short_window,
        count(*) filter (where feed = 'overlast') as nuisance_reports_long_window,
        count(*) filter (where feed = 'ggd_melding' and event_date > $as_of - to_days($ggd_window_days))
            as ggd_reports_long_window,
        max(event_date) filter (where feed = 'ggd_melding' and urgency = 'crisis'
                                and event_date > $as_of - to_days($short_window_days))
            as ggd_crisis_date,
        count(*) filter (where is_financial and event_date > $as_of - to_days($stacking_window_days))
            as financial_signals_stacking_window,
        count(*) filter (where feed = 'waterafsluiting') as water_signals_long_window,
        bool_or(is_financial and event_date > $as_of - to_days($financial_window_days))
            as has_financial_signal,
        max(event_date) filter (where feed = 'ddas' and is_crisis
                                and event_date > $as_of - to_days($financial_window_days))
            as financial_crisis_date,
        min(event_date) as first_signal_date,
        max(event_date) as last_signal_date,
        arg_max(feed, (event_date, known_at, supplier_code, source_ref)) as last_signal_feed
    from recent
    group by household_id
),

sources as (
    -- apart from the counts: among their many aggregates a distinct count made the whole build
    -- 2.3 s slower at country scale (DuckDB 2.0, measured: 5.9-6.2 s against 3.6-3.8 s)
    select household_id, count(distinct feed) as distinct_sources
    from recent
    where event_date > $as_of - to_days($stacking_window_days)
    group by household_id
),

sharing as (
    -- a household is one address: the households at an address are its rows in counts
    select address_key, count(*) as households_at_address
    from counts
    group by address_key
),

team_contacts as (
    -- registered by the team itself: known on the day it was registered
    select
        address_key,
        max(contact_date) as last_contact_date,
        bool_or(is_reached and contact_date > $as_of - to_days($trajectory_window_days)) as was_reached_recently,
        -- attempts in the trajectory window that did not reach anyone, when none did
        case when bool_or(is_reached and contact_date > $as_of - to_days($trajectory_window_days)) then 0
             else count(*) filter (where contact_date > $as_of - to_days($trajectory_window_days))
        end as unreached_contact_attempts
    from reg_contact_attempt
    where contact_date <= $as_of and contact_date > $as_of - to_days($lookback_days)
    group by address_key
),

trajectories as (
    select address_key, max(result_date) as trajectory_result_date
    from reg_case_result
    where result_date <= $as_of and result_date > $as_of - to_days($trajectory_window_days)
        and list_contains($trajectory_results, eindresultaat)
    group by address_key
),

final as (
    select
        cast($as_of as date) as as_of_date,
        c.*,
        r.* exclude (household_id),
        r.arrears_eur - e.previous_arrears_eur as arrears_change_eur,
        v.* exclude (household_id),
        date_diff('day', cast($as_of as date), v.planned_eviction_date) as days_until_planned_eviction,
        date_diff('day', v.eviction_stage_date, cast($as_of as date)) as days_in_eviction_stage,
        h.latest.months as last_arrears_months,
        h.latest.eur as last_arrears_eur,
        date_diff('day', h.latest.signal, cast($as_of as date)) as days_since_arrears_signal,
        -- months (of 30.4 days) since the arrears of the latest signal began
        round(date_diff('day', h.latest.since, cast($as_of as date)) / 30.4, 1) as months_in_arrears,
        coalesce(h.arrears_signals_long_window, 0) as arrears_signals_long_window,
        coalesce(h.had_arrangement and not h.latest.arrangement, false) as has_broken_arrangement,
        w.* exclude (household_id),
        d.* exclude (household_id),
        date_diff('day', cast($as_of as date), w.planned_cutoff_date) as days_until_planned_cutoff,
        date_diff('day', c.first_signal_date, cast($as_of as date)) as days_since_first_signal,
        coalesce(src.distinct_sources, 0) as distinct_sources,
        s.households_at_address,
        m.household_id is not null as has_moved,
        tc.last_contact_date,
        coalesce(tc.was_reached_recently, false) as was_reached_recently,
        coalesce(tc.unreached_contact_attempts, 0) as unreached_contact_attempts,
        tr.trajectory_result_date,
        tr.trajectory_result_date is not null as has_active_trajectory
    from counts as c
    left join team_contacts as tc using (address_key)
    left join trajectories as tr using (address_key)
    inner join sharing as s using (address_key)
    left join moves as m using (household_id)
    left join rent as r using (household_id)
    left join rent_earlier as e using (household_id)
    left join rent_history as h using (household_id)
    left join eviction as v using (household_id)
    left join water as w using (household_id)
    left join ddas as d using (household_id)
    left join sources as src using (household_id)
)

select * from final
