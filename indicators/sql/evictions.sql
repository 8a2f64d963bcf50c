-- Executed evictions and what preceded them. Grain: one row per (address_key, contract_id) whose
-- eviction was executed (stage ontruiming_uitgevoerd, latest version of each delivered row), dated
-- by the earliest such stage_date. Scratch only: never stored, the aggregates are (agg_indicator).
-- Only what was known on the as-of date counts (_known_signal). Parameters: $lookback_months
-- (config/indicators.yaml), $bucket_edges and $bucket_labels (weeks).
create or replace temp table _eviction as
with latest_version as (
    select address_key, contract_id, stage, event_date as stage_date
    from _known_signal
    where feed = 'ontruiming'
),
executed as (
    select address_key, contract_id, min(stage_date) as eviction_date
    from latest_version
    where stage = 'ontruiming_uitgevoerd'
    group by address_key, contract_id
),
listed as (
    select e.address_key, e.contract_id, min(l.as_of_date) as first_listed_date
    from executed as e
    inner join fct_list_entry as l
        on l.address_key = e.address_key
        and l.as_of_date < e.eviction_date
        and l.as_of_date >= e.eviction_date - to_months($lookback_months)
        and l.is_within_capacity  -- put in front of the team: Acuut, or above the capacity line
    group by e.address_key, e.contract_id
),
contacted as (
    select distinct e.address_key, e.contract_id
    from executed as e
    inner join reg_contact_attempt as c
        on c.address_key = e.address_key
        and c.contact_date < e.eviction_date
        and c.contact_date >= e.eviction_date - to_months($lookback_months)
),
final as (
    select
        e.address_key,
        e.contract_id,
        e.eviction_date,
        year(e.eviction_date) as year,
        l.first_listed_date is not null as is_listed_before,
        c.address_key is not null as has_contact_before,
        floor(date_diff('day', l.first_listed_date, e.eviction_date) / 7)::integer as lead_weeks
    from executed as e
    left join listed as l using (address_key, contract_id)
    left join contacted as c using (address_key, contract_id)
)
select
    *,
    case when is_listed_before
        then $bucket_labels[1 + len(list_filter($bucket_edges, lambda edge: edge <= lead_weeks))]
    end as lead_bucket
from final;
