-- Bulk tables (raw_rows, pii_contact, stg_*) carry no primary-key index: (delivery_id, line_no)
-- is unique by construction (a delivery is loaded once, under its content hash), and the index
-- would double the load time. tests/signals/test_intake.py checks the uniqueness.
--
-- Rows as delivered (text, after header normalisation), for every delivered row, loaded or not.
-- BSN is replaced by its keyed pseudonym at intake; names and contact details live only in
-- pii_contact. One table per feed; the supplier is a column because all corporations deliver
-- the same contract.
create table if not exists raw_rows (
    delivery_id            varchar not null,
    line_no                integer not null,
    supplier_code          varchar not null,
    feed                   varchar not null,
    source_ref             varchar,
    values_json            varchar not null,      -- JSON object: contract columns as text, person fields removed
    person_pseudonym       varchar,
    is_loaded              boolean not null
);

-- Names and contact details, kept apart with their own access path (coordinators of the
-- household's team only). Keyed by the row they came with.
create table if not exists pii_contact (
    delivery_id            varchar not null,
    line_no                integer not null,
    person_pseudonym       varchar,
    voorletters            varchar,
    tussenvoegsel          varchar,
    achternaam             varchar,
    geboortedatum          varchar,
    telefoon               varchar,
    email                  varchar
);
