-- What the teams did: contact attempts and end results, in the DDAS vocabulary. `source` says
-- where a row came from: 'import' (the previous registration system, replaced on every load) or
-- 'portal' (registered in this system; never touched by an import).
create table if not exists reg_contact_attempt (
    source                 varchar not null,
    address_key            varchar not null,
    wijkteam               varchar not null,
    contact_date           date not null,
    soort                  varchar not null,      -- DDAS EnumContactsoort
    is_reached             boolean not null,
    dagdeel                varchar,               -- DDAS EnumDagdeel
    registered_at          timestamptz
);

create table if not exists reg_case_result (
    source                 varchar not null,
    address_key            varchar not null,
    wijkteam               varchar not null,
    result_date            date not null,
    eindresultaat          varchar not null       -- DDAS EnumEindresultaat
);
