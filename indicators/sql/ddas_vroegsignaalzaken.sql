-- _ddas_case: one row per household with a vroegsignaal in _ddas_signal, with the
-- team's registrations at the household's address from its first vroegsignaal in the period up to
-- $as_of (attached by address, as the household features do). `resultaat` is the latest
-- eindresultaat in that window; `datum_opgepakt` the first contact attempt, or else the date of a
-- result that is not one of $not_picked_up (the results saying the case was not taken up).
-- A household with at least one registration is a vroegsignaalzaak (`is_case`): the team handled
-- it. The case is built as JSON with every absent field left out (json_merge_patch drops nulls),
-- its values in the words of $version (_ddas_label: stored value → the value the file holds) and
-- its field names as $version spells them (datum_opgepakt in v0.9, datumOpgepakt in v1.2).
create or replace temp table _ddas_case as

with cases as (
    select
        household_id,
        any_value(address_key) as address_key,
        min(signal_date) as first_signal_date,
        min(seq) as first_seq,
        list({'ID': signal_id} order by seq) as signal_refs
    from _ddas_signal
    group by household_id
),

attempts as (
    select
        c.household_id,
        a.contact_date,
        list_position($dagdeel_order, a.dagdeel) as dagdeel_order,
        json_merge_patch(
            '{}',
            to_json({'soort': soort.exported, 'bereikt': a.is_reached, 'datum': a.contact_date, 'dagdeel': a.dagdeel})
        ) as attempt
    from cases as c
    inner join reg_contact_attempt as a
        on a.address_key = c.address_key and a.contact_date between c.first_signal_date and $as_of
    left join _ddas_label as soort on soort.enum = 'EnumContactsoort' and soort.stored = a.soort
),

attempts_per_case as (
    select
        household_id,
        min(contact_date) as first_contact_date,
        count(*) as attempts,
        list(attempt order by contact_date, dagdeel_order nulls first, attempt::varchar) as attempt_list
    from attempts
    group by household_id
),

results as (
    select c.household_id, r.result_date, r.eindresultaat
    from cases as c
    inner join reg_case_result as r
        on r.address_key = c.address_key and r.result_date between c.first_signal_date and $as_of
    qualify row_number() over (
        partition by c.household_id order by r.result_date desc, r.source, r.eindresultaat
    ) = 1
),

handled as (
    select
        c.*,
        coalesce(a.attempts, 0) as attempts,
        coalesce(a.attempt_list, []::json[]) as attempt_list,
        r.eindresultaat,
        coalesce(list_contains($not_picked_up, r.eindresultaat), false) as is_not_picked_up,
        coalesce(
            a.first_contact_date,
            case when not list_contains($not_picked_up, r.eindresultaat) then r.result_date end
        ) as picked_up_date
    from cases as c
    left join attempts_per_case as a using (household_id)
    left join results as r using (household_id)
),

final as (
    select
        household_id,
        first_seq,
        attempts,
        eindresultaat,
        attempts > 0 or eindresultaat is not null as is_case,
        eindresultaat is not null and exported_result is null as is_result_left_out,
        is_not_picked_up,
        picked_up_date,
        case when $version = '0.9' then
            json_merge_patch(
                '{}',
                to_json({
                    'resultaat': exported_result,
                    'datum_opgepakt': picked_up_date,
                    'vroegsignalen': signal_refs,
                    'contactpogingen': attempt_list
                })
            )
        else
            json_merge_patch(
                '{}',
                to_json({
                    'resultaat': exported_result,
                    'datumOpgepakt': picked_up_date,
                    'vroegsignalen': signal_refs,
                    'contactpogingen': attempt_list
                })
            )
        end as zaak
    from handled
    left join (
        select stored, exported as exported_result from _ddas_label where enum = 'EnumEindresultaat'
    ) as result_label on result_label.stored = handled.eindresultaat
)

select * from final
