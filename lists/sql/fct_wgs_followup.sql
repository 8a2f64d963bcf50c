-- fct_wgs_followup: the Wgs follow-up duty on $as_of (rules/lanes.yaml, `wgs_followup`). Grain: one
-- row per delivered financial signal — the latest version known on $as_of (the macro
-- household_signal) — whose signal date lies in the financial window, with its household and team.
-- A signal is followed up ("Opgepakt") from the first contact attempt the team registered at the
-- address on or after the day the signal became known, or from a registered end result that is not
-- one of $not_picked_up; an end result that is one of $not_picked_up ("Niet opgepakt: …", all in
-- the DDAS vocabulary) is the signal's status when no attempt came first. Otherwise the signal
-- awaits follow-up ($not_yet), whichever lane its household is in and below the capacity line too.
delete from fct_wgs_followup where as_of_date = $as_of;
insert into fct_wgs_followup by name

with financial as (
    select household_id, address_key, wijkteam, feed, supplier_code, source_ref,
           event_date as signal_date, known_date, arrears_eur
    from household_signal($as_of)
    where is_financial and event_date > $as_of - to_days($financial_window_days)
),

attempts as (
    select f.feed, f.supplier_code, f.source_ref, min(a.contact_date) as first_attempt_date
    from financial as f
    inner join reg_contact_attempt as a
        on a.address_key = f.address_key and a.contact_date between f.known_date and $as_of
    group by all
),

results as (
    -- the first end result registered at the address once the signal was known
    select f.feed, f.supplier_code, f.source_ref, r.result_date, r.eindresultaat
    from financial as f
    inner join reg_case_result as r
        on r.address_key = f.address_key and r.result_date between f.known_date and $as_of
    qualify row_number() over (
        partition by f.feed, f.supplier_code, f.source_ref order by r.result_date, r.eindresultaat
    ) = 1
),

final as (
    select
        cast($as_of as date) as as_of_date,
        f.*,
        $channel as channel,
        case
            when a.first_attempt_date is not null then $picked_up
            when list_contains($not_picked_up, r.eindresultaat) then r.eindresultaat
            when r.eindresultaat is not null then $picked_up
            else $not_yet
        end as status,
        coalesce(a.first_attempt_date, r.result_date) as followed_up_date
    from financial as f
    left join attempts as a using (feed, supplier_code, source_ref)
    left join results as r using (feed, supplier_code, source_ref)
)

select *, status = $not_yet as is_open from final
