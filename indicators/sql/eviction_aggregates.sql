-- Eviction indicators per area and year, counts unsuppressed. Grain of the result: one row per
-- (indicator, level, gemeente, area, year) for every area of _area and every year of _year, zeros
-- included. Reads _eviction (evictions.sql), _area and _address_area (areas.sql), _year.
with evicted as (
    select a.level, a.gemeente, a.area, e.year, e.is_listed_before, e.has_contact_before,
           e.lead_weeks, e.lead_bucket
    from _eviction as e
    inner join _address_area as a using (address_key)
    where e.year in (select year from _year)
),
grid as (
    select a.level, a.gemeente, a.area, a.corporation_homes, y.year
    from _area as a cross join _year as y
),
per_area as (
    select
        g.level, g.gemeente, g.area, g.year, g.corporation_homes,
        count(e.year)::bigint as evictions,
        count(*) filter (where e.is_listed_before)::bigint as listed,
        count(*) filter (where e.has_contact_before)::bigint as contacted,
        median(e.lead_weeks)::double as median_lead_weeks
    from grid as g
    left join evicted as e
        on e.level = g.level and e.area = g.area and e.year = g.year
        and e.gemeente is not distinct from g.gemeente
    group by all
),
buckets as (
    select g.level, g.gemeente, g.area, g.year, b.label, count(e.year)::bigint as n
    from grid as g
    cross join (select unnest($bucket_labels) as label) as b
    left join evicted as e
        on e.level = g.level and e.area = g.area and e.year = g.year and e.lead_bucket = b.label
        and e.gemeente is not distinct from g.gemeente
    group by all
),
final as (
    select 'executed_evictions' as indicator, level, gemeente, area, year,
           evictions as count, corporation_homes as denominator, null::double as value
    from per_area
    union all
    select 'evictions_listed_before', level, gemeente, area, year, listed, evictions, null
    from per_area
    union all
    select 'evictions_contact_before', level, gemeente, area, year, contacted, evictions, null
    from per_area
    union all
    select 'eviction_lead_time_median_weeks', level, gemeente, area, year, listed, evictions,
           median_lead_weeks
    from per_area
    union all
    select 'eviction_lead_time_' || b.label, b.level, b.gemeente, b.area, b.year, b.n, p.listed, null
    from buckets as b
    inner join per_area as p
        on p.level = b.level and p.area = b.area and p.year = b.year
        and p.gemeente is not distinct from b.gemeente
)
select * from final
