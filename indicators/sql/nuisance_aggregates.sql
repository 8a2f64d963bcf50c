-- Nuisance reports (stg_overlast) per area and year of report_date, counts unsuppressed. A report is
-- a delivered row (supplier_code, source_ref); its latest version known on the as-of date (_known_signal) dates it. Grain of the result:
-- one row per (level, gemeente, area, year) of _area x _year, zeros included.
with latest_version as (
    select address_key, event_date as report_date
    from _known_signal
    where feed = 'overlast'
),
reported as (
    select a.level, a.gemeente, a.area, year(r.report_date) as year
    from latest_version as r
    inner join _address_area as a using (address_key)
),
grid as (
    select a.level, a.gemeente, a.area, a.corporation_homes, y.year
    from _area as a cross join _year as y
),
final as (
    select 'nuisance_reports' as indicator, g.level, g.gemeente, g.area, g.year,
           count(r.year)::bigint as count, g.corporation_homes as denominator, null::double as value
    from grid as g
    left join reported as r
        on r.level = g.level and r.area = g.area and r.year = g.year
        and r.gemeente is not distinct from g.gemeente
    group by all
)
select * from final
