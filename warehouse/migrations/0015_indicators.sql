-- Evaluators' indicators as aggregates (indicators/DEFINITIONS.md): one row per indicator, level,
-- area and year, with the unsuppressed count and its denominator. No household, address or person
-- field: these rows are not personal data and are kept when the signals they came from are purged.
-- A year is recomputed only while its source rows are within their retention term; after that the
-- stored rows are the figures (indicators/config.py, `recompute_until`).
create table if not exists agg_indicator (
    indicator              varchar not null,      -- e.g. executed_evictions, nuisance_reports
    level                  varchar not null,      -- regio | gemeente | wijk
    gemeente               varchar,               -- null for the region
    area                   varchar not null,      -- 'regio', the gemeente, or the wijk
    year                   integer not null,
    count                  bigint not null,       -- unsuppressed; suppression happens on output
    denominator            bigint,                -- corporation homes, or the count it is a share of
    value                  double,                -- a figure that is not a count (median lead time)
    computed_as_of         date not null,         -- the as-of date of the run that computed the row
    config_version         varchar not null
);
