-- Run history: one row per nightly run, one per step.
create table if not exists meta_run (
    run_id                 varchar primary key,
    flow_run_id            varchar,
    as_of_date             date not null,
    started_at             timestamptz not null,
    finished_at            timestamptz,
    status                 varchar not null,      -- running | ok | partial | failed
    status_reason          varchar,
    code_version           varchar not null,
    rules_version          varchar not null,
    config_version         varchar not null
);

create table if not exists meta_run_step (
    run_id                 varchar not null,
    step                   varchar not null,
    started_at             timestamptz not null,
    finished_at            timestamptz,
    rows_in                bigint,
    rows_out               bigint,
    status                 varchar not null,
    error_summary          varchar,
    primary key (run_id, step)
);

-- The published lists. One partition per as-of date; rebuilding an as-of date replaces it.
create table if not exists fct_list_entry (
    as_of_date             date not null,
    wijkteam               varchar not null,
    household_id           varchar not null,
    rank                   integer not null,
    tier                   varchar not null,      -- crisis | hoog | normaal
    score                  integer not null,
    is_within_capacity     boolean not null,
    is_new                 boolean not null,
    has_financial_signal   boolean not null,
    address_key            varchar not null,
    first_signal_date      date not null,
    reasons_nl             varchar[] not null,
    rules_fired            varchar[] not null,
    suggested_channel      varchar not null,
    rules_version          varchar not null,
    code_version           varchar not null,
    run_id                 varchar not null,
    primary key (as_of_date, wijkteam, household_id)
);
