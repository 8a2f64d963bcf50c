-- What changed since the previous list (lists/sql/fct_list_entry.sql; rules/lanes.yaml `changes`).
--
-- compared_with: the as-of date of the previous list the entry was compared with (null: the first
--   list, so nothing is new or changed).
-- is_changed: on the previous list too, and since then a new signal, a move of the eviction
--   procedure, a rise of the estimated risk or another lane (changes_nl says which, in Dutch).
-- eviction_stage: the eviction procedure's stage on the as-of date (the risk is about reaching
--   the scorecard's label stages; once reached, the list says so instead of a percentage).
-- Rows stored before this migration have nulls (is_changed false).
alter table fct_list_entry add column if not exists compared_with date;
alter table fct_list_entry add column if not exists is_changed boolean;
alter table fct_list_entry add column if not exists changes_nl varchar[];
alter table fct_list_entry add column if not exists eviction_stage varchar;
