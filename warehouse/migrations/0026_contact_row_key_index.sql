-- The index on pii_contact.row_key (0025 says why); its own migration, as DuckDB makes no index
-- on a table with updates not yet committed.
create index pii_contact_row_key on pii_contact (row_key);
