-- Monitor figures per area and year (indicators/DEFINITIONS.md, "Monitor"), counts unsuppressed.
-- Reads known_signal() (int_signal__linked, rebuilt by the nightly feature step), reg_contact_attempt,
-- reg_case_result, _area / _address_area (areas.sql) and _year. Parameters: $as_of,
-- $repeat_window_months, $soorten (EnumContactsoort), $eindresultaten (EnumEindresultaat).
-- Grain of the result: one row per (indicator, category, level, gemeente, area, year) of the grid
-- _area x _year (x the vocabulary for distributions), zeros included.
with financial as (
    -- a financial signal is a delivered row of a financial feed; its latest version known on $as_of dates it
    select address_key, event_date
    from known_signal($as_of)
    where is_financial and event_date <= $as_of
),

address_month as (
    select distinct address_key, date_trunc('month', event_date) as month
    from financial
),

repeated as (
    select m.address_key, m.month, bool_or(p.month is not null) as is_repeat
    from address_month as m
    left join address_month as p
        on p.address_key = m.address_key
        and p.month < m.month
        and p.month >= m.month - to_months($repeat_window_months)
    group by all
),

signalled as (
    -- addresses with a financial signal in a year, and the first such signal of that year
    select address_key, year(event_date) as year, min(event_date) as first_date
    from financial
    group by all
),

followed as (
    select
        s.address_key, s.year,
        bool_or(c.contact_date is not null) as is_attempted,
        coalesce(bool_or(c.is_reached), false) as is_reached
    from signalled as s
    left join reg_contact_attempt as c
        on c.address_key = s.address_key
        and c.contact_date >= s.first_date
        and year(c.contact_date) = s.year
        and c.contact_date <= $as_of
    group by all
),

grid as (
    select a.level, a.gemeente, a.area, a.inhabitants, y.year,
           -- months of the year covered up to $as_of, as a fraction of twelve
           12.0 * (least($as_of, make_date(y.year, 12, 31)) - make_date(y.year, 1, 1) + 1)
               / (make_date(y.year, 12, 31) - make_date(y.year, 1, 1) + 1) as months_covered
    from _area as a cross join _year as y
    where make_date(y.year, 1, 1) <= $as_of
),

-- per area ------------------------------------------------------------------------------------
signals_per_area as (
    select a.level, a.gemeente, a.area, year(f.event_date) as year, month(f.event_date) as month
    from financial as f
    inner join _address_area as a using (address_key)
),

repeats_per_area as (
    select a.level, a.gemeente, a.area, year(r.month) as year, r.is_repeat
    from repeated as r
    inner join _address_area as a using (address_key)
),

followed_per_area as (
    select a.level, a.gemeente, a.area, f.year, f.is_attempted, f.is_reached
    from followed as f
    inner join _address_area as a using (address_key)
),

attempts_per_area as (
    select a.level, a.gemeente, a.area, year(c.contact_date) as year, c.soort as category
    from reg_contact_attempt as c
    inner join _address_area as a using (address_key)
    where c.contact_date <= $as_of
),

results_per_area as (
    select a.level, a.gemeente, a.area, year(r.result_date) as year, r.eindresultaat as category
    from reg_case_result as r
    inner join _address_area as a using (address_key)
    where r.result_date <= $as_of
),

-- on the grid ---------------------------------------------------------------------------------
signal_counts as (
    select level, gemeente, area, year, count(*) as signals
    from signals_per_area
    group by all
),

repeat_counts as (
    select level, gemeente, area, year,
           count(*) as address_months, count(*) filter (where is_repeat) as repeat_months
    from repeats_per_area
    group by all
),

followed_counts as (
    select level, gemeente, area, year, count(*) as addresses,
           count(*) filter (where is_attempted) as attempted, count(*) filter (where is_reached) as reached
    from followed_per_area
    group by all
),

totals as (
    select
        g.level, g.gemeente, g.area, g.year, g.inhabitants, g.months_covered,
        coalesce(s.signals, 0) as signals,
        coalesce(r.address_months, 0) as address_months,
        coalesce(r.repeat_months, 0) as repeat_months,
        coalesce(f.addresses, 0) as addresses,
        coalesce(f.attempted, 0) as attempted,
        coalesce(f.reached, 0) as reached
    from grid as g
    left join signal_counts as s
        on s.level = g.level and s.area = g.area and s.year = g.year
        and s.gemeente is not distinct from g.gemeente
    left join repeat_counts as r
        on r.level = g.level and r.area = g.area and r.year = g.year
        and r.gemeente is not distinct from g.gemeente
    left join followed_counts as f
        on f.level = g.level and f.area = g.area and f.year = g.year
        and f.gemeente is not distinct from g.gemeente
),

months as (
    select g.level, g.gemeente, g.area, g.year, g.inhabitants, m.month, count(s.month)::bigint as signals
    from grid as g
    cross join (select unnest(range(1, 13)) as month) as m
    left join signals_per_area as s
        on s.level = g.level and s.area = g.area and s.year = g.year and s.month = m.month
        and s.gemeente is not distinct from g.gemeente
    where make_date(g.year, m.month, 1) <= $as_of
    group by all
),

attempt_categories as (
    select g.level, g.gemeente, g.area, g.year, v.category, count(a.category)::bigint as n
    from grid as g
    cross join (select unnest($soorten) as category) as v
    left join attempts_per_area as a
        on a.level = g.level and a.area = g.area and a.year = g.year and a.category = v.category
        and a.gemeente is not distinct from g.gemeente
    group by all
),

result_categories as (
    select g.level, g.gemeente, g.area, g.year, v.category, count(r.category)::bigint as n
    from grid as g
    cross join (select unnest($eindresultaten) as category) as v
    left join results_per_area as r
        on r.level = g.level and r.area = g.area and r.year = g.year and r.category = v.category
        and r.gemeente is not distinct from g.gemeente
    group by all
),

final as (
    select 'financial_signals' as indicator, null::varchar as category, level, gemeente, area, year,
           signals::bigint as count, inhabitants as denominator, months_covered as value
    from totals
    union all
    select 'financial_signals_month', lpad(month::varchar, 2, '0'), level, gemeente, area, year,
           signals, inhabitants, null
    from months
    union all
    select 'signalled_again', null, level, gemeente, area, year, repeat_months, address_months, null
    from totals
    union all
    select 'signalled_addresses', null, level, gemeente, area, year, addresses, null, null
    from totals
    union all
    select 'signalled_contact_attempted', null, level, gemeente, area, year, attempted, addresses, null
    from totals
    union all
    select 'signalled_reached', null, level, gemeente, area, year, reached, addresses, null
    from totals
    union all
    select 'contact_attempts', a.category, a.level, a.gemeente, a.area, a.year, a.n,
           sum(a.n) over (partition by a.level, a.gemeente, a.area, a.year)::bigint, null
    from attempt_categories as a
    union all
    select 'case_results', r.category, r.level, r.gemeente, r.area, r.year, r.n,
           sum(r.n) over (partition by r.level, r.gemeente, r.area, r.year)::bigint, null
    from result_categories as r
)

select * from final
