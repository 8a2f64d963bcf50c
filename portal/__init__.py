"""The web portal: coordinators review their team's list and register what they did, suppliers
upload deliveries and get the Dutch report at once, evaluators see aggregates, administrators read
the audit log.

The portal reads the warehouse read-only, per request (the nightly flow swaps the file underneath)
and keeps its own state — accounts, sessions, the audit log and the coordinators' registrations —
in `<workspace>/portal.sqlite`, which the nightly flow reads to take the registrations in.
"""
