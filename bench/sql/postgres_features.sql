-- The feature build (signals/sql/int_signal__linked.sql, int_household__signal.sql,
-- int_household__features.sql) translated to PostgreSQL 15 for the peer benchmark, step by step
-- with the same logic. What had to change:
--   * `union all by name` → explicit column lists (missing columns as typed nulls);
--   * `qualify row_number() ... = 1` → a subquery filtering on the row number;
--   * `x.* exclude (household_id)` → the columns named;
--   * `$as_of - to_days(n)` → `date - integer`; `date_diff('day', a, b)` → `b - a`;
--   * `list_contains($list, x)` → `x = any($list)`; DuckDB's sha256 (hex text) → encode(sha256(...)).
-- Parameters are psycopg's %(name)s. Statements are separated by semicolons.
drop table if exists int_signal__linked;
create unlogged table int_signal__linked as
with signals as (
    select 'huurachterstand'::text as feed, true as is_financial, signal_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, arrears_eur, arrears_months, arrears_since_date,
           monthly_rent_eur, has_payment_arrangement,
           null::text as eviction_reason, null::text as stage, null::date as planned_date,
           null::date as stage_date, null::text as category, null::integer as severity,
           null::text as status, null::text as urgency, null::text as known_to_care,
           null::text as partner_type, null::boolean as is_crisis
    from stg_huurachterstand
    union all
    select 'ontruiming', false, stage_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, arrears_eur, null, null, null, null,
           reason, stage, planned_date, null, null, null, null, null, null, null, null
    from stg_ontruiming
    union all
    select 'waterafsluiting', true, signal_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, customer_id, arrears_eur, null, null, null, null,
           null, stage, planned_cutoff_date, stage_date, null, null, null, null, null, null, null
    from stg_waterafsluiting
    union all
    select 'overlast', false, report_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, null, null, null, null, null,
           null, null, null, null, category, severity, status, null, null, null, null
    from stg_overlast
    union all
    select 'ggd_melding', false, report_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, null, null, null, null, null, null,
           null, null, null, null, category, null, status, urgency, known_to_care, null, null
    from stg_ggd_melding
    union all
    select 'ddas', true, signal_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, null, amount_eur::numeric(12, 2), null, origin_date, null, null,
           null, null, null, null, null, null, null, null, null, partner_type, is_crisis
    from stg_ddas
)
select a.gemeente, a.wijk, a.buurt, a.wijkteam, s.*
from signals as s
inner join ref_address as a using (address_key);

drop table if exists _household_signal;
create unlogged table _household_signal as
with known as (
    select * from (
        select *, row_number() over (
            partition by feed, supplier_code, source_ref
            order by known_at desc, delivery_id desc, line_no desc
        ) as _rn
        from int_signal__linked
        where known_date <= %(as_of)s::date and event_date <= %(as_of)s::date
    ) as ranked
    where _rn = 1
),
people_at_address as (
    select address_key, count(distinct person_pseudonym) as people, min(person_pseudonym) as only_person
    from known
    where person_pseudonym is not null
    group by address_key
),
linked as (
    select k.*,
           coalesce(k.person_pseudonym, case when p.people = 1 then p.only_person end) as household_person
    from known as k
    left join people_at_address as p using (address_key)
)
select *,
       'hh-' || left(encode(sha256(convert_to(address_key || '|' || coalesce(household_person, ''), 'UTF8')), 'hex'), 16)
           as household_id
from linked;

drop table if exists int_household__features;
create unlogged table int_household__features as
with known_households as (
    select * from _household_signal
),
moves as (
    select distinct a.household_id
    from known_households as a
    inner join known_households as b
        on a.household_person = b.household_person and a.address_key <> b.address_key
        and b.event_date < a.event_date
),
recent as (
    select * from known_households where event_date > %(as_of)s::date - %(lookback_days)s::integer
),
rent as (
    select * from (
        select household_id, arrears_eur, arrears_months, arrears_since_date, monthly_rent_eur,
               has_payment_arrangement, event_date as arrears_signal_date,
               row_number() over (partition by household_id
                                  order by event_date desc, known_at desc, supplier_code, source_ref) as _rn
        from recent
        where feed = 'huurachterstand' and event_date > %(as_of)s::date - %(financial_window_days)s::integer
    ) as x where _rn = 1
),
rent_history as (
    -- the latest rent arrears signal of the lookback, the count, and whether an arrangement seen
    -- earlier is gone now (DuckDB: one arg_max over a struct)
    select h.household_id, h.arrears_months as last_arrears_months, h.arrears_eur as last_arrears_eur,
           h.arrears_since_date as last_since, h.event_date as last_signal,
           coalesce(h.has_payment_arrangement, false) as last_arrangement,
           n.arrears_signals_long_window, n.had_arrangement
    from (
        select household_id, arrears_months, arrears_eur, arrears_since_date, event_date, has_payment_arrangement,
               row_number() over (partition by household_id
                                  order by event_date desc, known_at desc, supplier_code desc, source_ref desc) as _rn
        from recent
        where feed = 'huurachterstand'
    ) as h
    inner join (
        select household_id, count(*) as arrears_signals_long_window,
               bool_or(coalesce(has_payment_arrangement, false)) as had_arrangement
        from recent where feed = 'huurachterstand' group by household_id
    ) as n using (household_id)
    where h._rn = 1
),
rent_earlier as (
    select * from (
        select r.household_id, k.arrears_eur as previous_arrears_eur,
               row_number() over (partition by r.household_id
                                  order by k.event_date desc, k.known_at desc, k.supplier_code, k.source_ref) as _rn
        from rent as r
        inner join recent as k
            on k.household_id = r.household_id and k.feed = 'huurachterstand'
            and k.event_date < r.arrears_signal_date
    ) as x where _rn = 1
),
eviction as (
    select * from (
        select household_id, stage as eviction_stage, event_date as eviction_stage_date,
               planned_date as planned_eviction_date, eviction_reason,
               row_number() over (partition by household_id
                                  order by event_date desc, known_at desc, supplier_code, source_ref) as _rn
        from recent
        where feed = 'ontruiming'
    ) as x where _rn = 1
),
water as (
    select * from (
        select household_id, stage as water_stage, event_date as water_signal_date,
               planned_date as planned_cutoff_date, arrears_eur as water_arrears_eur,
               row_number() over (partition by household_id
                                  order by stage_date desc, event_date desc, known_at desc, supplier_code,
                                           source_ref) as _rn
        from recent
        where feed = 'waterafsluiting' and event_date > %(as_of)s::date - %(financial_window_days)s::integer
    ) as x where _rn = 1
),
ddas as (
    select * from (
        select household_id, partner_type as ddas_partner, arrears_eur as ddas_amount_eur,
               event_date as ddas_signal_date,
               row_number() over (partition by household_id
                                  order by event_date desc, known_at desc, supplier_code, source_ref) as _rn
        from recent
        where feed = 'ddas' and event_date > %(as_of)s::date - %(financial_window_days)s::integer
    ) as x where _rn = 1
),
counts as (
    select
        household_id,
        count(*) filter (where feed = 'overlast' and event_date > %(as_of)s::date - %(short_window_days)s::integer)
            as nuisance_reports_short_window,
        count(*) filter (where feed = 'overlast') as nuisance_reports_long_window,
        count(*) filter (where feed = 'ggd_melding'
                         and event_date > %(as_of)s::date - %(ggd_window_days)s::integer)
            as ggd_reports_long_window,
        max(event_date) filter (where feed = 'ggd_melding' and urgency = 'crisis'
                                and event_date > %(as_of)s::date - %(short_window_days)s::integer)
            as ggd_crisis_date,
        count(distinct feed) filter (where event_date > %(as_of)s::date - %(stacking_window_days)s::integer)
            as distinct_sources,
        count(*) filter (where is_financial
                         and event_date > %(as_of)s::date - %(stacking_window_days)s::integer)
            as financial_signals_stacking_window,
        bool_or(is_financial and event_date > %(as_of)s::date - %(financial_window_days)s::integer)
            as has_financial_signal,
        max(event_date) filter (where feed = 'ddas' and is_crisis
                                and event_date > %(as_of)s::date - %(financial_window_days)s::integer)
            as financial_crisis_date,
        count(*) filter (where feed = 'waterafsluiting') as water_signals_long_window,
        min(event_date) as first_signal_date,
        max(event_date) as last_signal_date
    from recent
    group by household_id
),
latest_feed as (
    select * from (
        select household_id, feed as last_signal_feed,
               row_number() over (partition by household_id
                                  order by event_date desc, known_at desc, supplier_code desc, source_ref desc) as _rn
        from recent
    ) as x where _rn = 1
),
sharing as (
    select address_key, count(distinct household_id) as households_at_address
    from recent
    group by address_key
),
team_contacts as (
    select
        address_key,
        max(contact_date) as last_contact_date,
        bool_or(is_reached and contact_date > %(as_of)s::date - %(trajectory_window_days)s::integer)
            as was_reached_recently,
        case when bool_or(is_reached and contact_date > %(as_of)s::date - %(trajectory_window_days)s::integer)
             then 0
             else count(*) filter (where contact_date > %(as_of)s::date - %(trajectory_window_days)s::integer)
        end as unreached_contact_attempts
    from reg_contact_attempt
    where contact_date <= %(as_of)s::date and contact_date > %(as_of)s::date - %(lookback_days)s::integer
    group by address_key
),
trajectories as (
    select address_key, max(result_date) as trajectory_result_date
    from reg_case_result
    where result_date <= %(as_of)s::date
        and result_date > %(as_of)s::date - %(trajectory_window_days)s::integer
        and eindresultaat = any(%(trajectory_results)s::text[])
    group by address_key
),
households as (
    select distinct on (household_id) household_id, address_key, gemeente, wijk, buurt, wijkteam
    from recent
    order by household_id, known_at desc
)
select
    %(as_of)s::date as as_of_date,
    h.household_id, h.address_key, h.gemeente, h.wijk, h.buurt, h.wijkteam,
    c.nuisance_reports_short_window, c.nuisance_reports_long_window, c.ggd_reports_long_window,
    c.ggd_crisis_date, c.distinct_sources, c.financial_signals_stacking_window, c.has_financial_signal,
    c.financial_crisis_date, c.first_signal_date, c.last_signal_date,
    r.arrears_eur, r.arrears_months, r.arrears_since_date, r.monthly_rent_eur, r.has_payment_arrangement,
    r.arrears_signal_date,
    r.arrears_eur - e.previous_arrears_eur as arrears_change_eur,
    v.eviction_stage, v.eviction_stage_date, v.planned_eviction_date,
    v.planned_eviction_date - %(as_of)s::date as days_until_planned_eviction,
    w.water_stage, w.water_signal_date, w.planned_cutoff_date, w.water_arrears_eur,
    d.ddas_partner, d.ddas_amount_eur, d.ddas_signal_date,
    w.planned_cutoff_date - %(as_of)s::date as days_until_planned_cutoff,
    %(as_of)s::date - c.first_signal_date as days_since_first_signal,
    s.households_at_address,
    m.household_id is not null as has_moved,
    tc.last_contact_date,
    coalesce(tc.was_reached_recently, false) as was_reached_recently,
    coalesce(tc.unreached_contact_attempts, 0) as unreached_contact_attempts,
    v.eviction_reason,
    tr.trajectory_result_date,
    tr.trajectory_result_date is not null as has_active_trajectory,
    %(as_of)s::date - v.eviction_stage_date as days_in_eviction_stage,
    rh.last_arrears_months, rh.last_arrears_eur,
    %(as_of)s::date - rh.last_signal as days_since_arrears_signal,
    round((%(as_of)s::date - rh.last_since) / 30.4, 1) as months_in_arrears,
    coalesce(rh.arrears_signals_long_window, 0) as arrears_signals_long_window,
    coalesce(rh.had_arrangement and not rh.last_arrangement, false) as has_broken_arrangement,
    c.water_signals_long_window,
    lf.last_signal_feed
from households as h
left join team_contacts as tc using (address_key)
left join trajectories as tr using (address_key)
inner join sharing as s using (address_key)
left join moves as m using (household_id)
inner join counts as c using (household_id)
left join rent as r using (household_id)
left join rent_earlier as e using (household_id)
left join eviction as v using (household_id)
left join water as w using (household_id)
left join ddas as d using (household_id)
left join rent_history as rh using (household_id)
left join latest_feed as lf using (household_id)
