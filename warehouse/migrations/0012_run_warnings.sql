-- Warnings a run raises without failing: a supplier that has not delivered within its cadence
-- (kind 'versheid'), and whatever later steps need to tell the administrator. Shown by
-- `vroeg runs`, in the run summary and on the portal. No personal data: supplier codes and counts.
create table if not exists meta_run_warning (
    run_id                 varchar not null,
    kind                   varchar not null,
    subject                varchar not null,      -- the supplier code (or feed, table) it is about
    message_nl             varchar not null
);
