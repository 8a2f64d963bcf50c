-- The scorecard's verdict per household per as-of date: total points, the estimated risk, and
-- every feature's points (the contributions add up to the score).
create table if not exists int_household__score (
    as_of_date             date not null,
    household_id           varchar not null,
    model_version          varchar not null,
    score                  integer not null,
    risk                   double not null,
    contributions          struct(feature varchar, label varchar, bin varchar, points integer)[] not null,
    primary key (as_of_date, household_id)
);

alter table fct_list_entry add column if not exists model_version varchar;
alter table fct_list_entry add column if not exists risk double;
alter table fct_list_entry add column if not exists score_points struct(feature varchar, label varchar, bin varchar, points integer)[];
alter table fct_list_entry add column if not exists rule_reasons_nl varchar[];
alter table meta_run add column if not exists model_version varchar;
