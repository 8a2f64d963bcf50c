-- The per-as-of-date tables (features, rule hits, scores, list entries) lose their primary-key
-- index. Every night inserts one as-of date and the retention purge deletes the oldest; at country
-- scale DuckDB's index cost 5.6 s to delete one date of int_household__features (706,300 rows,
-- ~8 µs a row) and doubled the insert (bench/, BENCHMARKS.md). (as_of_date, household_id[, rule_id
-- / wijkteam]) stays unique by construction: each date is deleted before it is built, and built
-- by a group-by on the key; tests/flows/test_nightly.py checks it. DuckDB cannot drop a primary
-- key, so each table is copied into the same columns without one.

create table int_household__features__next (
    as_of_date                        date not null,
    household_id                      varchar not null,
    address_key                       varchar not null,
    gemeente                          varchar not null,
    wijk                              varchar not null,
    buurt                             varchar not null,
    wijkteam                          varchar not null,
    nuisance_reports_short_window     bigint not null,
    nuisance_reports_long_window      bigint not null,
    ggd_reports_long_window           bigint not null,
    ggd_crisis_date                   date,
    distinct_sources                  bigint not null,
    financial_signals_stacking_window bigint not null,
    has_financial_signal              boolean not null,
    first_signal_date                 date not null,
    last_signal_date                  date not null,
    arrears_eur                       decimal(12,2),
    arrears_months                    decimal(8,2),
    arrears_since_date                date,
    monthly_rent_eur                  decimal(10,2),
    has_payment_arrangement           boolean,
    arrears_signal_date               date,
    arrears_change_eur                decimal(12,2),
    eviction_stage                    varchar,
    eviction_stage_date               date,
    planned_eviction_date             date,
    days_until_planned_eviction       bigint,
    water_stage                       varchar,
    water_signal_date                 date,
    planned_cutoff_date               date,
    water_arrears_eur                 decimal(12,2),
    days_until_planned_cutoff         bigint,
    days_since_first_signal           bigint not null,
    households_at_address             bigint,
    has_moved                         boolean,
    ddas_partner                      varchar,
    ddas_amount_eur                   decimal(12,2),
    ddas_signal_date                  date,
    financial_crisis_date             date,
    last_contact_date                 date,
    was_reached_recently              boolean,
    trajectory_result_date            date,
    has_active_trajectory             boolean
);

insert into int_household__features__next by name select * from int_household__features;

drop table int_household__features;

alter table int_household__features__next rename to int_household__features;

create table int_rule_hit__next (
    as_of_date   date not null,
    household_id varchar not null,
    rule_id      varchar not null,
    rule_version integer not null,
    tier         varchar not null,
    points       integer not null,
    reason_nl    varchar not null
);

insert into int_rule_hit__next by name select * from int_rule_hit;

drop table int_rule_hit;

alter table int_rule_hit__next rename to int_rule_hit;

create table int_household__score__next (
    as_of_date    date not null,
    household_id  varchar not null,
    model_version varchar not null,
    score         integer not null,
    risk          double not null,
    contributions struct(feature varchar, "label" varchar, bin varchar, points integer)[] not null
);

insert into int_household__score__next by name select * from int_household__score;

drop table int_household__score;

alter table int_household__score__next rename to int_household__score;

create table fct_list_entry__next (
    as_of_date           date not null,
    wijkteam             varchar not null,
    household_id         varchar not null,
    rank                 integer not null,
    tier                 varchar not null,
    score                integer not null,
    is_within_capacity   boolean not null,
    is_new               boolean not null,
    has_financial_signal boolean not null,
    address_key          varchar not null,
    first_signal_date    date not null,
    reasons_nl           varchar[] not null,
    rules_fired          varchar[] not null,
    suggested_channel    varchar not null,
    rules_version        varchar not null,
    code_version         varchar not null,
    run_id               varchar not null,
    is_in_trajectory     boolean,
    model_version        varchar,
    risk                 double,
    score_points         struct(feature varchar, "label" varchar, bin varchar, points integer)[],
    rule_reasons_nl      varchar[]
);

insert into fct_list_entry__next by name select * from fct_list_entry;

drop table fct_list_entry;

alter table fct_list_entry__next rename to fct_list_entry;
