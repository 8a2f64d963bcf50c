-- Households are linked per as-of date (address + person); two features say how.
alter table int_household__features add column if not exists households_at_address bigint;
alter table int_household__features add column if not exists has_moved boolean;
