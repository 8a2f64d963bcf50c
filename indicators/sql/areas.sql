-- Areas at every level with their corporation homes and inhabitants (ref_buurt), and which areas an address is in.
-- Grain: _area one row per (level, gemeente, area); _address_area one row per (address_key, level).
create or replace temp table _area as
with buurt as (
    select gemeente, wijk, corporation_homes, inhabitants from ref_buurt
),
final as (
    select 'regio' as level, null::varchar as gemeente, 'regio' as area,
           sum(corporation_homes)::bigint as corporation_homes, sum(inhabitants)::bigint as inhabitants
    from buurt
    union all
    select 'gemeente', gemeente, gemeente, sum(corporation_homes)::bigint, sum(inhabitants)::bigint
    from buurt group by gemeente
    union all
    select 'wijk', gemeente, wijk, sum(corporation_homes)::bigint, sum(inhabitants)::bigint
    from buurt group by gemeente, wijk
)
select * from final;

create or replace temp table _address_area as
with address as (
    select address_key, gemeente, wijk from ref_address
),
final as (
    select address_key, 'regio' as level, null::varchar as gemeente, 'regio' as area from address
    union all
    select address_key, 'gemeente', gemeente, gemeente from address
    union all
    select address_key, 'wijk', gemeente, wijk from address
)
select * from final;
