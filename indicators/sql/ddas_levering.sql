-- _ddas_levering: the two arrays of one DDAS levering as JSON (one row), from _ddas_signal and
-- _ddas_case, in the words and field names of $version. A vroegsignaal's `status`
-- (EnumSignaalstatus) follows its case: the eindresultaat when that says the case was not taken
-- up; "Opgepakt" when the team registered anything else (v1.2; v0.9 has no such value, so the
-- field is left out there); else the status of a received DDAS levering; else $not_yet ("Nog niet
-- opgepakt"). Every value passes _ddas_label (stored value → the value a $version file holds).
-- `client`: in v1.2 the address (postcode, huisnummer, toevoeging; the warehouse holds no BSN);
-- in v0.9 empty, as before (DEFINITIONS.md).
create or replace temp table _ddas_levering as

with statuses as (
    select
        s.*,
        case
            when c.is_not_picked_up then c.eindresultaat
            when c.is_case then $picked_up
            else coalesce(s.delivered_status_label, $not_yet)
        end as stored_status
    from _ddas_signal as s
    inner join _ddas_case as c using (household_id)
),

signals as (
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
                'status': status.exported,
                'signaalpartner': {'type': s.partner_label}
            })
        ), case when $version = '0.9' then '{"client": {}}'::json else json_merge_patch(
            '{}',
            to_json({
                'client': json_merge_patch('{}', to_json({
                    'postcode': s.postcode,
                    'huisnummer': s.house_number::varchar,
                    'huisnummertoevoeging': nullif(s.house_number_suffix, '')
                }))
            })
        ) end) as vroegsignaal
    from statuses as s
    left join _ddas_label as status on status.enum = 'EnumSignaalstatus' and status.stored = s.stored_status
),

final as (
    select
        coalesce((select to_json(list(vroegsignaal order by seq)) from signals), '[]') as vroegsignalen,
        coalesce(
            (select to_json(list(zaak order by first_seq)) from _ddas_case where is_case), '[]'
        ) as vroegsignaalzaken
)

select * from final
