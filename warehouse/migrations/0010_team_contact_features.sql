-- What the team already did, as features, and the trajectory mark on the list.
alter table int_household__features add column if not exists last_contact_date date;
alter table int_household__features add column if not exists was_reached_recently boolean;
alter table int_household__features add column if not exists trajectory_result_date date;
alter table int_household__features add column if not exists has_active_trajectory boolean;
alter table fct_list_entry add column if not exists is_in_trajectory boolean;
