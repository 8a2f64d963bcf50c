-- Lanes instead of tiers (rules/lanes.yaml): a rule may move a household into a lane and, for a
-- lane ordered by date, says which date and which action; it no longer has a tier or points. A
-- list entry is in exactly one lane, with its place in the lane and, in the acute lane, the date
-- and the suggested action. Wgs follow-up is a duty per financial signal (fct_wgs_followup).
--
-- Rows written before this migration keep their meaning as far as it carries over: the old tier
-- "crisis" came from the rules that now route to the acute lane (without their date, which was
-- never stored); every other tier is the ranked lane.

create table int_rule_hit__next (
    as_of_date   date not null,
    household_id varchar not null,
    rule_id      varchar not null,
    rule_version integer not null,
    lane         varchar,           -- the lane the rule routes to; null: a reason only
    acute_date   date,              -- the date the acute situation is about
    action_nl    varchar,           -- the rule's suggested action (acute lane)
    reason_nl    varchar not null
);

insert into int_rule_hit__next
select as_of_date, household_id, rule_id, rule_version,
       case when tier = 'crisis' then 'acuut' end, null, null, reason_nl
from int_rule_hit;

drop table int_rule_hit;

alter table int_rule_hit__next rename to int_rule_hit;

alter table fct_list_entry add column lane varchar;
alter table fct_list_entry add column lane_rank integer;
alter table fct_list_entry add column acute_date date;
alter table fct_list_entry add column wgs_open integer;

update fct_list_entry
set lane = case when tier = 'crisis' then 'acuut' else 'vroeg_erop_af' end,
    lane_rank = rank,
    wgs_open = 0;

alter table fct_list_entry alter column lane set not null;
alter table fct_list_entry alter column lane_rank set not null;
alter table fct_list_entry alter column wgs_open set not null;

alter table fct_list_entry drop column tier;

alter table fct_list_entry rename column suggested_channel to suggested_action;

-- One row per financial signal (the latest version known on the as-of date) whose signal date is
-- in the financial window, with the household and team it belongs to, its first step and whether
-- the team followed it up (status in the DDAS vocabulary, EnumSignaalstatus).
create table if not exists fct_wgs_followup (
    as_of_date       date not null,
    wijkteam         varchar not null,
    household_id     varchar not null,
    address_key      varchar not null,
    feed             varchar not null,
    supplier_code    varchar not null,
    source_ref       varchar not null,
    signal_date      date not null,
    known_date       date not null,
    arrears_eur      decimal(12, 2),
    channel          varchar not null,
    status           varchar not null,
    followed_up_date date,
    is_open          boolean not null
);
