-- Monitor figures per area and year (indicators/DEFINITIONS.md, "Monitor"), counts unsuppressed.
-- Reads _known_signal (known_signal() as of $as_of, made once by indicators/compute.py), reg_contact_attempt,
-- reg_case_result, ref_address, _area (areas.sql) and _year. Parameters: $as_of,
-- $repeat_window_months, $soorten (EnumContactsoort), $eindresultaten (EnumEindresultaat).
-- Grain of the result: one row per (indicator, category, level, gemeente, area, year) of the grid
-- _area x _year, zeros included; the distributions (by month, soort, eindresultaat) for the region
-- and the gemeenten only (the wijken are too small to publish them).
-- Every count is additive over addresses, and an address lies in one wijk: facts are counted per
-- wijk and rolled up to gemeente and region with grouping sets (one join with ref_address each).
with financial as (
    -- a financial signal is a delivered row of a financial feed; its latest version known on $as_of dates it
    select address_key, event_date
    from _known_signal
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

-- facts per address, in one long form: (address, year, indicator, category, count, denominator) --
facts as (
    select address_key, year(event_date) as year, 'financial_signals' as indicator,
           null::varchar as category, 1 as n, 0 as d
    from financial
    union all
    select address_key, year(event_date), 'financial_signals_month', lpad(month(event_date)::varchar, 2, '0'),
           1, 0
    from financial
    union all
    select address_key, year(month), 'signalled_again', null, is_repeat::integer, 1
    from repeated
    union all
    select address_key, year, 'signalled_addresses', null, 1, 0
    from followed
    union all
    select address_key, year, 'signalled_contact_attempted', null, is_attempted::integer, 1
    from followed
    union all
    select address_key, year, 'signalled_reached', null, is_reached::integer, 1
    from followed
    union all
    select address_key, year(contact_date), 'contact_attempts', soort, 1, 0
    from reg_contact_attempt
    where contact_date <= $as_of
    union all
    select address_key, year(result_date), 'case_results', eindresultaat, 1, 0
    from reg_case_result
    where result_date <= $as_of
),

rolled as (
    select
        case when grouping(a.gemeente) = 1 then 'regio' when grouping(a.wijk) = 1 then 'gemeente'
             else 'wijk' end as level,
        a.gemeente,
        case when grouping(a.gemeente) = 1 then 'regio' when grouping(a.wijk) = 1 then a.gemeente
             else a.wijk end as area,
        f.year, f.indicator, f.category, sum(f.n)::bigint as n, sum(f.d)::bigint as d
    from facts as f
    inner join ref_address as a using (address_key)
    group by grouping sets (
        (f.indicator, f.category, f.year, a.gemeente, a.wijk),
        (f.indicator, f.category, f.year, a.gemeente),
        (f.indicator, f.category, f.year)
    )
),

-- every figure the grid needs, zeros included --------------------------------------------------
wanted as (
    select g.level, g.gemeente, g.area, g.year, g.inhabitants, g.months_covered, w.indicator, w.category
    from grid as g
    cross join (
        select unnest(['financial_signals', 'signalled_again', 'signalled_addresses',
                       'signalled_contact_attempted', 'signalled_reached']) as indicator,
               null::varchar as category
    ) as w
    union all
    select g.level, g.gemeente, g.area, g.year, g.inhabitants, g.months_covered, c.indicator, c.category
    from grid as g
    cross join (
        select 'financial_signals_month' as indicator, lpad(m::varchar, 2, '0') as category
        from range(1, 13) as r(m)
        union all
        select 'contact_attempts', unnest($soorten)
        union all
        select 'case_results', unnest($eindresultaten)
    ) as c
    where g.level <> 'wijk'
      and (c.indicator <> 'financial_signals_month' or make_date(g.year, c.category::integer, 1) <= $as_of)
),

counted as (
    select w.*, coalesce(r.n, 0) as n, coalesce(r.d, 0) as d
    from wanted as w
    left join rolled as r
        on r.level = w.level and r.area = w.area and r.year = w.year and r.indicator = w.indicator
        and r.gemeente is not distinct from w.gemeente and r.category is not distinct from w.category
),

final as (
    select
        indicator, category, level, gemeente, area, year, n as count,
        case
            when indicator in ('financial_signals', 'financial_signals_month') then inhabitants
            when indicator = 'signalled_addresses' then null
            when indicator in ('contact_attempts', 'case_results')
                then sum(n) over (partition by indicator, level, gemeente, area, year)
            when indicator in ('signalled_contact_attempted', 'signalled_reached')
                then sum(n) filter (where indicator = 'signalled_addresses')
                     over (partition by level, gemeente, area, year)
            else d
        end::bigint as denominator,
        case when indicator = 'financial_signals' then months_covered end::double as value
    from counted
)

select * from final
