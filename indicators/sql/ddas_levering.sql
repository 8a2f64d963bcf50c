-- _ddas_levering: the two arrays of one DDAS levering as JSON (one row), from _ddas_signal and
-- _ddas_case. A vroegsignaal's `status` (EnumSignaalstatus) follows its case: the eindresultaat when
-- that says the case was not taken up; nothing when the team registered anything else (the list
-- has no value for "opgepakt"); else the status of a received DDAS levering; else $not_yet
-- ("Nog niet opgepakt"). `client` stays empty on purpose (DEFINITIONS.md: no personal field).
create or replace temp table _ddas_levering as

with signals as (
    select
        s.seq,
        json_merge_patch(json_merge_patch(
            '{}',
            to_json({
                'ID': s.signal_id,
                'crisissignaal': s.is_crisis,
                'warmeOverdracht': s.is_warm_handover,
                'bedrag': s.amount_eur,
                'ontstaansdatum': s.origin_date,
                'signaaldatum': s.signal_date,
                'status': case
                    when c.is_not_picked_up then c.eindresultaat
                    when c.is_case then null
                    else coalesce(s.delivered_status_label, $not_yet)
                end,
                'signaalpartner': {'type': s.partner_label}
            })
        ), '{"client": {}}') as vroegsignaal
    from _ddas_signal as s
    inner join _ddas_case as c using (household_id)
),

final as (
    select
        coalesce((select to_json(list(vroegsignaal order by seq)) from signals), '[]') as vroegsignalen,
        coalesce(
            (select to_json(list(zaak order by first_seq)) from _ddas_case where is_case), '[]'
        ) as vroegsignaalzaken
)

select * from final
