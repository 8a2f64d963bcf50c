-- int_signal__linked: every staged row version as one signal, attached to its address and
-- wijkteam. Grain: one row per delivered row version (corrections are later versions of the same
-- (feed, supplier_code, source_ref)). Not as-of dependent: households are linked as of a date in
-- int_household__features, from what was known then. Rows whose address is unknown never reach
-- staging (they are quarantined), so every signal has a team.
create or replace table int_signal__linked as

with signals as (
    select 'huurachterstand' as feed, true as is_financial, signal_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, arrears_eur, arrears_months, arrears_since_date,
           monthly_rent_eur, has_payment_arrangement
    from stg_huurachterstand
    union all by name
    select 'ontruiming' as feed, false as is_financial, stage_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, arrears_eur, reason as eviction_reason, stage,
           planned_date
    from stg_ontruiming
    union all by name
    select 'waterafsluiting' as feed, true as is_financial, signal_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, customer_id as contract_id, arrears_eur, stage, stage_date,
           planned_cutoff_date as planned_date
    from stg_waterafsluiting
    union all by name
    select 'overlast' as feed, false as is_financial, report_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, category, severity, status
    from stg_overlast
    union all by name
    select 'ggd_melding' as feed, false as is_financial, report_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, category, urgency, known_to_care, status
    from stg_ggd_melding
    union all by name
    select 'ddas' as feed, true as is_financial, signal_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, amount_eur::decimal(12, 2) as arrears_eur, partner_type,
           origin_date as arrears_since_date, is_crisis
    from stg_ddas
),

final as (
    select
        a.gemeente,
        a.wijk,
        a.buurt,
        a.wijkteam,
        s.*
    from signals as s
    inner join ref_address as a using (address_key)
)

select * from final;

-- known_signal(as_of): what was known on a date — of every delivered row (feed, supplier_code,
-- source_ref) dated by then, the latest version known then; a correction is a later delivery of the
-- same row. The one definition of "latest known version", used by the household linking, the
-- indicators and the DDAS export. Ties on knowledge time are broken by delivery and line, as the
-- intake orders them. `signal_row` is the row id in int_signal__linked.
-- Narrow on purpose: only the ~1% of delivered rows with more than one version are ranked, over
-- keys only; a window over every wide row of 10 million signals spills to disk (BENCHMARKS.md).
-- Callers select the columns they need; DuckDB inlines the macro and reads only those.
create or replace macro known_signal(as_of) as table
with candidates as (
    select rowid as signal_row, feed, supplier_code, source_ref, known_at, delivery_id, line_no
    from int_signal__linked
    where known_date <= as_of and event_date <= as_of
),

corrected as (
    select feed, supplier_code, source_ref
    from candidates
    group by feed, supplier_code, source_ref
    having count(*) > 1
),

latest as (
    select signal_row
    from candidates
    anti join corrected using (feed, supplier_code, source_ref)
    union all
    select signal_row
    from candidates
    semi join corrected using (feed, supplier_code, source_ref)
    qualify row_number() over (
        partition by feed, supplier_code, source_ref
        order by known_at desc, delivery_id desc, line_no desc
    ) = 1
)

select l.rowid as signal_row, l.*
from int_signal__linked as l
semi join latest on l.rowid = latest.signal_row;
