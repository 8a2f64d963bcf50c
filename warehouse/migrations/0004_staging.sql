-- stg_<feed>: validated rows, renamed and cast. Every version of a row is kept: a later delivery of
-- the same (supplier, source_ref) supersedes the earlier one from its known_date on.
create table if not exists stg_huurachterstand (
    delivery_id varchar not null, line_no integer not null, supplier_code varchar not null,
    source_ref varchar not null, known_at timestamptz not null, known_date date not null,
    address_key varchar not null, person_pseudonym varchar,
    contract_id varchar not null,
    monthly_rent_eur decimal(10, 2) not null,
    arrears_eur decimal(12, 2) not null,
    arrears_months decimal(8, 2) not null,
    arrears_since_date date not null,
    reminder_sent_date date,
    has_payment_arrangement boolean,
    signal_date date not null
);

create table if not exists stg_ontruiming (
    delivery_id varchar not null, line_no integer not null, supplier_code varchar not null,
    source_ref varchar not null, known_at timestamptz not null, known_date date not null,
    address_key varchar not null, person_pseudonym varchar,
    contract_id varchar not null,
    reason varchar not null,
    stage varchar not null,
    stage_date date not null,
    planned_date date,
    arrears_eur decimal(12, 2)
);

create table if not exists stg_waterafsluiting (
    delivery_id varchar not null, line_no integer not null, supplier_code varchar not null,
    source_ref varchar not null, known_at timestamptz not null, known_date date not null,
    address_key varchar not null, person_pseudonym varchar,
    customer_id varchar not null,
    arrears_eur decimal(12, 2) not null,
    stage varchar not null,
    stage_date date not null,
    planned_cutoff_date date,
    signal_date date not null
);

create table if not exists stg_overlast (
    delivery_id varchar not null, line_no integer not null, supplier_code varchar not null,
    source_ref varchar not null, known_at timestamptz not null, known_date date not null,
    address_key varchar not null, person_pseudonym varchar,
    category varchar not null,
    report_date date not null,
    severity integer,
    status varchar,
    contract_id varchar
);

create table if not exists stg_ggd_melding (
    delivery_id varchar not null, line_no integer not null, supplier_code varchar not null,
    source_ref varchar not null, known_at timestamptz not null, known_date date not null,
    address_key varchar not null, person_pseudonym varchar,
    category varchar not null,
    urgency varchar not null,
    report_date date not null,
    known_to_care varchar,
    status varchar
);
