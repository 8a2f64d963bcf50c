"""The portal's own state in SQLite (`<workspace>/portal.sqlite`, WAL mode), by job:

- store.py: opening the file, its tables and append-only triggers, in-place migrations;
- logins.py: accounts, sessions, supplier API tokens;
- audit_log.py: the audit log;
- registrations.py: what a team registered (contact attempts, results, assignments, lane
  overrides) and withdrawals.

Callers write `from portal import state` and `state.<function>`; the names below are the whole
public surface.
"""

from portal.state.audit_log import (
    ALLOWED,
    ANONYMOUS,
    AUDIT_COLUMNS,
    REFUSED,
    audit,
    audit_entries,
    chain_status,
    request_defaults,
    verify_audit_chain,
)
from portal.state.logins import (
    Account,
    account_by_name,
    accounts,
    add_account,
    add_api_token,
    add_code_failure,
    add_recovery_codes,
    add_session,
    api_tokens,
    claim_totp_step,
    end_account_sessions,
    end_session,
    pending_totp_secret,
    revoke_api_token,
    session_account,
    set_active,
    set_password_hash,
    set_pending_totp_secret,
    set_totp_secret,
    token_hash,
    token_supplier,
    touch_session,
    unused_recovery_codes,
    use_recovery_code,
)
from portal.state.registrations import (
    HISTORY_IDS,
    REGISTRATION_IDS,
    add_assignment,
    add_case_result,
    add_contact_attempt,
    add_lane_override,
    add_withdrawal,
    household_registrations,
    registration,
    team_marks,
)
from portal.state.store import APPEND_ONLY, now_iso, open_state

__all__ = [
    "ALLOWED",
    "ANONYMOUS",
    "APPEND_ONLY",
    "AUDIT_COLUMNS",
    "HISTORY_IDS",
    "REFUSED",
    "REGISTRATION_IDS",
    "Account",
    "account_by_name",
    "accounts",
    "add_account",
    "add_api_token",
    "add_assignment",
    "add_case_result",
    "add_code_failure",
    "add_contact_attempt",
    "add_lane_override",
    "add_recovery_codes",
    "add_session",
    "add_withdrawal",
    "api_tokens",
    "audit",
    "audit_entries",
    "chain_status",
    "claim_totp_step",
    "end_account_sessions",
    "end_session",
    "household_registrations",
    "now_iso",
    "open_state",
    "pending_totp_secret",
    "registration",
    "request_defaults",
    "revoke_api_token",
    "session_account",
    "set_active",
    "set_password_hash",
    "set_pending_totp_secret",
    "set_totp_secret",
    "team_marks",
    "token_hash",
    "token_supplier",
    "touch_session",
    "unused_recovery_codes",
    "use_recovery_code",
    "verify_audit_chain",
]
