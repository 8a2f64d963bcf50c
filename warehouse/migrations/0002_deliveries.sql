-- Every delivery ever received, keyed by the SHA-256 of its bytes (the raw file is archived under
-- that hash). received_at is the knowledge date of every row in it.
create table if not exists raw_delivery (
    delivery_id            varchar primary key,   -- sha256 of the file bytes
    supplier_code          varchar not null,
    feed                   varchar not null,
    channel                varchar not null,      -- drop_folder | upload | api | cli
    original_name          varchar not null,      -- shown to people, never used as a path
    received_at            timestamptz not null,
    received_date          date not null,         -- knowledge date (Europe/Amsterdam)
    byte_size              bigint not null,
    archive_path           varchar not null,
    status                 varchar not null,      -- geaccepteerd | afgewezen
    rejection_reason       varchar,               -- one Dutch sentence when afgewezen
    rows_read              integer not null,
    rows_loaded            integer not null,
    rows_quarantined       integer not null,
    warnings               varchar[],
    loaded_at              timestamptz not null,
    check (rows_read = rows_loaded + rows_quarantined)
);

-- A repeated file (same bytes) is recorded here, not loaded again.
create table if not exists raw_delivery_repeat (
    delivery_id            varchar not null,
    original_name          varchar not null,
    received_at            timestamptz not null,
    primary key (delivery_id, received_at)
);

-- One row per offending cell (a row can have several); a row with any finding is not loaded.
create table if not exists quarantine_finding (
    delivery_id            varchar not null,
    line_no                integer,               -- line in the delivered file (header = 1); null for whole-file findings
    column_name            varchar,
    value                  varchar,               -- personal fields are masked
    check_name             varchar not null,
    reason_nl              varchar not null
);
