-- Reference data the municipality owns: its address register and public neighbourhood statistics.
-- Replaced as a whole when a new reference file is loaded.
create table if not exists ref_address (
    address_key            varchar primary key,   -- normalised: postcode-huisnummer[-toevoeging]
    postcode               varchar not null,
    house_number           integer not null,
    house_number_suffix    varchar,
    street                 varchar,
    woonplaats             varchar,
    gemeente               varchar not null,
    wijk                   varchar not null,
    buurt                  varchar not null,
    wijkteam               varchar not null
);

create table if not exists ref_buurt (
    gemeente               varchar not null,
    wijk                   varchar not null,
    buurt                  varchar not null,
    wijkteam               varchar not null,
    inhabitants            integer not null,
    households             integer not null,
    corporation_homes      integer not null,
    primary key (gemeente, wijk, buurt)
);
