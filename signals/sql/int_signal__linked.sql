-- int_signal__linked: every staged row version as one signal, attached to its address and
-- wijkteam. Grain: one row per delivered row version (corrections are later versions of the same
-- (feed, supplier_code, source_ref)). Not as-of dependent: households are linked as of a date by the
-- macro household_signal below. Rows whose address is unknown never reach staging (they are
-- quarantined), so every signal has a team.
--
-- Maintained incrementally (signals/features.py, link_signals): every night only the deliveries
-- whose staged rows differ from what is linked — compared per (feed, delivery) by row count — are
-- deleted and linked again: the night's new deliveries, and deliveries the retention purge
-- touched. When this file or the address register's gemeente/wijk/buurt/wijkteam changed since the
-- table was built, link_signals drops it first, so the same statements rebuild it whole. Rebuilding
-- 10 million rows every night cost 15 s at country scale (bench/, BENCHMARKS.md); the result is the
-- same (tests/signals/test_incremental_linking.py compares the two).
create or replace temp table _staged_delivery as
select 'huurachterstand' as feed, delivery_id, count(*) as row_count from stg_huurachterstand group by all
union all
select 'ontruiming', delivery_id, count(*) from stg_ontruiming group by all
union all
select 'waterafsluiting', delivery_id, count(*) from stg_waterafsluiting group by all
union all
select 'overlast', delivery_id, count(*) from stg_overlast group by all
union all
select 'ggd_melding', delivery_id, count(*) from stg_ggd_melding group by all
union all
select 'ddas', delivery_id, count(*) from stg_ddas group by all;

create table if not exists int_signal__linked_delivery (
    feed      varchar not null,
    delivery_id varchar not null,
    row_count bigint not null
);

create or replace temp table _relink_delivery as
select feed, delivery_id from (
    select * from _staged_delivery except select * from int_signal__linked_delivery
)
union
select feed, delivery_id from (
    select * from int_signal__linked_delivery except select * from _staged_delivery
);

create or replace temp view _relink_signal as

with signals as (
    select 'huurachterstand' as feed, true as is_financial, signal_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, arrears_eur, arrears_months, arrears_since_date,
           monthly_rent_eur, has_payment_arrangement
    from stg_huurachterstand
    where delivery_id in (select delivery_id from _relink_delivery where feed = 'huurachterstand')
    union all by name
    select 'ontruiming' as feed, false as is_financial, stage_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, arrears_eur, reason as eviction_reason, stage,
           planned_date
    from stg_ontruiming
    where delivery_id in (select delivery_id from _relink_delivery where feed = 'ontruiming')
    union all by name
    select 'waterafsluiting' as feed, true as is_financial, signal_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, customer_id as contract_id, arrears_eur, stage, stage_date,
           planned_cutoff_date as planned_date
    from stg_waterafsluiting
    where delivery_id in (select delivery_id from _relink_delivery where feed = 'waterafsluiting')
    union all by name
    select 'overlast' as feed, false as is_financial, report_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, contract_id, category, severity, status
    from stg_overlast
    where delivery_id in (select delivery_id from _relink_delivery where feed = 'overlast')
    union all by name
    select 'ggd_melding' as feed, false as is_financial, report_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, category, urgency, known_to_care, status
    from stg_ggd_melding
    where delivery_id in (select delivery_id from _relink_delivery where feed = 'ggd_melding')
    union all by name
    select 'ddas' as feed, true as is_financial, signal_date as event_date,
           supplier_code, source_ref, delivery_id, line_no, known_at, known_date, address_key,
           person_pseudonym, amount_eur::decimal(12, 2) as arrears_eur, partner_type,
           origin_date as arrears_since_date, is_crisis
    from stg_ddas
    where delivery_id in (select delivery_id from _relink_delivery where feed = 'ddas')
),

final as (
    select
        a.gemeente,
        a.wijk,
        a.buurt,
        a.wijkteam,
        s.*,
        -- the delivered row's identity as one number; whether it has more than one version in the
        -- table, and if so whether this is the latest (maintained below, used by known_signal)
        hash(s.feed, s.supplier_code, s.source_ref) as version_hash,
        false as is_corrected,
        true as is_latest
    from signals as s
    inner join ref_address as a using (address_key)
)

select * from final;

create or replace temp table _relinked as select * from _relink_signal;

drop view _relink_signal;

create table if not exists int_signal__linked as select * from _relinked limit 0;

-- Of those, the deliveries with rows in the table (linked before; a new delivery has none): only
-- these are looked for in it. On a regular night that is none, and nothing scans the table for them.
create or replace temp table _relink_linked as
select feed, delivery_id from _relink_delivery semi join int_signal__linked_delivery using (feed, delivery_id);

-- delivered rows that lose a version: their other versions may have a new latest
create or replace temp table _unlinked as
select l.version_hash
from int_signal__linked as l
semi join _relink_linked as r on l.feed = r.feed and l.delivery_id = r.delivery_id
where l.is_corrected;

delete from int_signal__linked as l
using _relink_linked as r
where l.feed = r.feed and l.delivery_id = r.delivery_id;

insert into int_signal__linked by name select * from _relinked;

-- A row whose delivered row now has another version is marked; only the relinked rows' identities
-- are looked at. A mark that outlives its other versions (purged) only costs a ranking.
create or replace temp table _newly_corrected as
select version_hash
from int_signal__linked
where version_hash in (select version_hash from _relinked)
group by version_hash
having count(*) > 1;

update int_signal__linked set is_corrected = true
where not is_corrected and version_hash in (select version_hash from _newly_corrected);

-- the delivered rows that gained or lost a version, and the latest version (by knowledge time,
-- delivery, line: known_signal's order) of each
create or replace temp table _touched as
select version_hash from _relinked union select version_hash from _unlinked;

-- their rows first (two narrow columns), then the wide ones of only those rows: one scan reading
-- every ordering column of 10 million rows cost 0.4 s at country scale
create or replace temp table _touched_row as
select rowid as signal_row
from int_signal__linked
where is_corrected and version_hash in (select version_hash from _touched);

create or replace temp table _latest_version as
select arg_max(l.rowid, (l.known_at, l.delivery_id, l.line_no)) as latest_row
from int_signal__linked as l
semi join _touched_row as t on l.rowid = t.signal_row
group by l.feed, l.supplier_code, l.source_ref;

update int_signal__linked set is_latest = false where rowid in (select signal_row from _touched_row);

update int_signal__linked set is_latest = true where rowid in (select latest_row from _latest_version);

-- From this date on every version of every corrected row is known and dated, so the latest known
-- version is the marked one (known_signal's fast path). A mark left by purged versions only makes
-- the date later than it need be.
create or replace table int_signal__linked_horizon as
select coalesce(max(greatest(known_date, event_date)), date '0001-01-01') as complete_from
from int_signal__linked
where is_corrected;

delete from int_signal__linked_delivery as l
using _relink_delivery as r
where l.feed = r.feed and l.delivery_id = r.delivery_id;

insert into int_signal__linked_delivery
select * from _staged_delivery semi join _relink_delivery using (feed, delivery_id);

drop table _relinked;

drop table _newly_corrected;

drop table _unlinked;

drop table _latest_version;

drop table _touched;

drop table _touched_row;

drop table _relink_linked;

-- known_signal(as_of): what was known on a date — of every delivered row (feed, supplier_code,
-- source_ref) dated by then, the latest version known then; a correction is a later delivery of the
-- same row. The one definition of "latest known version", used by the household linking, the
-- indicators and the DDAS export. Ties on knowledge time are broken by delivery and line, as the
-- intake orders them. `signal_row` is the row id in int_signal__linked.
-- Rows of a delivered row with one version (~98%) are taken as they are. Of the others, on a date
-- by which all their versions are known (the nightly's), the marked latest is taken; on an earlier
-- date (training snapshots, past years' indicators) the latest known then is picked with arg_max.
-- Both avoid a window over every row (at country scale it spilled to disk; BENCHMARKS.md), and
-- tests/signals/test_incremental_linking.py checks both against the plain definition. Callers
-- select the columns they need; DuckDB inlines the macro and reads only those.
create or replace macro known_signal(as_of) as table
select rowid as signal_row, * exclude (version_hash, is_corrected, is_latest)
from int_signal__linked
where known_date <= as_of and event_date <= as_of
    and (not is_corrected or (is_latest and as_of >= (select complete_from from int_signal__linked_horizon)))
union all
select rowid as signal_row, * exclude (version_hash, is_corrected, is_latest)
from int_signal__linked
where is_corrected and rowid in (
    select arg_max(l.rowid, (l.known_at, l.delivery_id, l.line_no))
    from int_signal__linked as l
    cross join int_signal__linked_horizon as h
    where as_of < h.complete_from and l.known_date <= as_of and l.event_date <= as_of and l.is_corrected
    group by l.feed, l.supplier_code, l.source_ref
);

-- The two rules of a household, shared by household_signal and the feature build (which decides
-- who lives where once for both of its passes): a signal's person, or else the one person known at
-- its address; and the household's id from its address and that person.
create or replace macro household_person_of(person_pseudonym, first_person, last_person) as
coalesce(person_pseudonym, case when first_person = last_person then first_person end);

create or replace macro household_key(address_key, household_person) as
'hh-' || left(sha256(address_key || '|' || coalesce(household_person, '')), 16);

-- household_signal(as_of): every signal known on as_of (known_signal) with the household it
-- belongs to (docs/linking.md):
--   * one household = one address + one (pseudonymised) person; signals of the same person at the
--     same address from any feed or supplier belong together;
--   * a signal without a person joins the person household at its address when exactly one person
--     is known there; otherwise it forms the address's own household (person unknown,
--     household_person null);
--   * two persons at one address are two households; one person at two addresses is two
--     households (a move is visible as a new address).
-- Used by the retention purge (a household's last signal) and the DDAS export; the household
-- features apply the same two rules (household_person_of, household_key) themselves. Who lives at
-- an address is decided on everything known, also when a caller filters on dates. household_id is
-- a hash of the household's address and person; group by (address_key, household_person) where the
-- id itself is not needed (hashing 10 million rows costs seconds).
create or replace macro household_signal(as_of) as table
with people_at_address as (
    -- exactly one person known at the address: the smallest and the largest are the same
    select address_key, min(person_pseudonym) as first_person, max(person_pseudonym) as last_person
    from known_signal(as_of)
    where person_pseudonym is not null
    group by address_key
),

linked as (
    select
        s.*,
        household_person_of(s.person_pseudonym, p.first_person, p.last_person) as household_person
    from known_signal(as_of) as s
    left join people_at_address as p using (address_key)
)

select
    *,
    household_key(address_key, household_person) as household_id
from linked
