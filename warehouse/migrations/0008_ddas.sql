-- Financial signals delivered as a DDAS v0.9 levering (one row per vroegsignaal).
create table if not exists stg_ddas (
    delivery_id varchar not null, line_no integer not null, supplier_code varchar not null,
    source_ref varchar not null, known_at timestamptz not null, known_date date not null,
    address_key varchar not null, person_pseudonym varchar,
    partner_type varchar not null,
    amount_eur integer not null,
    origin_date date,
    signal_date date not null,
    is_crisis boolean,
    is_warm_handover boolean,
    partner_status varchar,
    gemeentecode varchar
);

alter table int_household__features add column if not exists ddas_partner varchar;
alter table int_household__features add column if not exists ddas_amount_eur decimal(12, 2);
alter table int_household__features add column if not exists ddas_signal_date date;
alter table int_household__features add column if not exists financial_crisis_date date;
