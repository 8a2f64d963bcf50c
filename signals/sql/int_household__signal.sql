-- _household_signal: every signal known on $as_of — the latest version of each delivered row known
-- then (known_signal, int_signal__linked.sql) — with the household it belongs to. A temporary table of the session, used by the
-- household features and by the retention purge (a household's last signal).
-- Household linking (as known on $as_of; see docs/linking.md):
--   * one household = one address + one (pseudonymised) person; signals of the same person at the
--     same address from any feed or supplier belong together;
--   * a signal without a person joins the person household at its address when exactly one person
--     is known there; otherwise it forms the address's own household (person unknown);
--   * two persons at one address are two households; one person at two addresses is two
--     households, and the later one is marked has_moved (a move is visible as a new address).
create or replace temp table _household_signal as

-- Narrow on purpose: at country scale (10 million signals) a window, CTE or join over every column
-- costs more than the rest of the feature build together (bench/, BENCHMARKS.md). The person and
-- the household are found over row ids and keys; the wide columns the features and the retention
-- purge use are joined once, at the end.
with versions as (
    select signal_row, address_key, person_pseudonym
    from known_signal($as_of)
),

people_at_address as (
    select address_key, count(distinct person_pseudonym) as people, min(person_pseudonym) as only_person
    from versions
    where person_pseudonym is not null
    group by address_key
),

signal_person as (
    select
        v.signal_row,
        v.address_key,
        coalesce(v.person_pseudonym, case when p.people = 1 then p.only_person end) as household_person
    from versions as v
    left join people_at_address as p using (address_key)
),

households as (
    -- one hash per household, not per signal
    select
        address_key,
        household_person,
        'hh-' || left(sha256(address_key || '|' || coalesce(household_person, '')), 16) as household_id
    from (select distinct address_key, household_person from signal_person)
),

signal_household as (
    select s.signal_row, s.household_person, h.household_id
    from signal_person as s
    inner join households as h
        on s.address_key = h.address_key and s.household_person is not distinct from h.household_person
),

final as (
    select
        l.gemeente, l.wijk, l.buurt, l.wijkteam, l.address_key, l.feed, l.is_financial, l.event_date,
        l.known_at, l.known_date, l.delivery_id, l.line_no, l.contract_id, l.supplier_code, l.source_ref, l.arrears_eur, l.arrears_months, l.arrears_since_date,
        l.monthly_rent_eur, l.has_payment_arrangement, l.stage, l.stage_date, l.planned_date, l.urgency,
        l.partner_type, l.is_crisis, sh.household_person, sh.household_id
    from int_signal__linked as l
    inner join signal_household as sh on l.rowid = sh.signal_row
)

select * from final;
