-- Bulk tables (raw_rows, pii_contact, stg_*) carry no primary-key index: (delivery_id, line_no)
-- is unique by construction (a delivery is loaded once, under its content hash), and the index
-- would double the load time. tests/signals/test_intake.py checks the uniqueness.
--
-- One row per delivered row, loaded or not. The bytes exactly as delivered are the archived file
-- (raw_delivery.archive_path, by line_no); a loaded row's values are in stg_<feed>. A quarantined
-- row keeps its delivered values here (values_json, text after header normalisation), so it can
-- be reviewed without opening the archive. Copying every loaded row's text as well would double
-- the intake time and the storage for no reader.
-- BSN is replaced by its keyed pseudonym at intake; names and contact details live only in
-- pii_contact.
create table if not exists raw_rows (
    delivery_id            varchar not null,
    line_no                integer not null,
    supplier_code          varchar not null,
    feed                   varchar not null,
    source_ref             varchar,
    values_json            varchar,               -- quarantined rows: JSON object of the delivered text, person fields removed
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
