-- _ddas_signal: the vroegsignalen of one gemeente and period for the DDAS export
-- (indicators/DEFINITIONS.md, "DDAS-export"). Grain: one row per delivered financial signal (the
-- latest version known on $as_of) whose signal date lies in [$van, $tot] and whose address lies in
-- $gemeente, with the household it was linked to on $as_of (the macro household_signal,
-- signals/sql/int_signal__linked.sql). Needs the code list _ddas_code
-- (field, code, label) registered by indicators/ddas.py. `signal_id` is a sequence number within
-- this export only: no warehouse key, reference or pseudonym leaves with the file. The address
-- (postcode, house number, suffix from ref_address) identifies the client in a v1.2 file.
create or replace temp table _ddas_signal as

with financial as (
    select *
    from household_signal($as_of)
    where is_financial and gemeente = $gemeente and event_date between $van and $tot
),

delivered_ddas as (
    -- fields of a received DDAS levering that linking does not carry
    select delivery_id, line_no, is_warm_handover, partner_status
    from stg_ddas
),

partners as (
    select
        f.*,
        d.is_warm_handover,
        d.partner_status,
        coalesce(by_feed.label, by_code.label) as partner_label,
        delivered_status.label as delivered_status_label
    from financial as f
    left join delivered_ddas as d using (delivery_id, line_no)
    left join _ddas_code as by_feed on by_feed.field = 'feed_partner' and by_feed.code = f.feed
    left join _ddas_code as by_code on by_code.field = 'partner' and by_code.code = f.partner_type
    left join _ddas_code as delivered_status
        on delivered_status.field = 'status' and delivered_status.code = d.partner_status
),

final as (
    select
        'VS-' || row_number() over (
            order by event_date, feed, supplier_code, source_ref
        ) as signal_id,
        row_number() over (order by event_date, feed, supplier_code, source_ref) as seq,
        household_id,
        address_key,
        feed,
        event_date as signal_date,
        arrears_since_date as origin_date,
        round(arrears_eur)::integer as amount_eur,
        is_crisis,
        is_warm_handover,
        partner_label,
        delivered_status_label
    from partners
),

addressed as (
    select f.*, a.postcode, a.house_number, a.house_number_suffix
    from final as f
    left join ref_address as a using (address_key)
)

select * from addressed
