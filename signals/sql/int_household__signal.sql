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

with known as (
    select *
    from known_signal($as_of)
    where event_date <= $as_of
),

people_at_address as (
    select address_key, count(distinct person_pseudonym) as people, min(person_pseudonym) as only_person
    from known
    where person_pseudonym is not null
    group by address_key
),

linked as (
    select
        k.*,
        coalesce(k.person_pseudonym, case when p.people = 1 then p.only_person end) as household_person
    from known as k
    left join people_at_address as p using (address_key)
),

known_households as (
    select
        *,
        'hh-' || left(sha256(address_key || '|' || coalesce(household_person, '')), 16) as household_id
    from linked
)

select * from known_households;
