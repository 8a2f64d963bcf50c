-- Household features as of a date (signals.features documents every column) and the rules that
-- fired on them. One partition per as-of date; rebuilding an as-of date replaces it.
create table if not exists int_household__features (
    as_of_date                          date not null,
    household_id                        varchar not null,
    address_key                         varchar not null,
    gemeente                            varchar not null,
    wijk                                varchar not null,
    buurt                               varchar not null,
    wijkteam                            varchar not null,
    nuisance_reports_short_window       bigint not null,
    nuisance_reports_long_window        bigint not null,
    ggd_reports_long_window             bigint not null,
    ggd_crisis_date                     date,
    distinct_sources                    bigint not null,
    financial_signals_stacking_window   bigint not null,
    has_financial_signal                boolean not null,
    first_signal_date                   date not null,
    last_signal_date                    date not null,
    arrears_eur                         decimal(12, 2),
    arrears_months                      decimal(8, 2),
    arrears_since_date                  date,
    monthly_rent_eur                    decimal(10, 2),
    has_payment_arrangement             boolean,
    arrears_signal_date                 date,
    arrears_change_eur                  decimal(12, 2),
    eviction_stage                      varchar,
    eviction_stage_date                 date,
    planned_eviction_date               date,
    days_until_planned_eviction         bigint,
    water_stage                         varchar,
    water_signal_date                   date,
    planned_cutoff_date                 date,
    water_arrears_eur                   decimal(12, 2),
    days_until_planned_cutoff           bigint,
    days_since_first_signal             bigint not null,
    primary key (as_of_date, household_id)
);

create table if not exists int_rule_hit (
    as_of_date             date not null,
    household_id           varchar not null,
    rule_id                varchar not null,
    rule_version           integer not null,
    tier                   varchar not null,
    points                 integer not null,
    reason_nl              varchar not null,
    primary key (as_of_date, household_id, rule_id)
);
