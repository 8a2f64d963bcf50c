"""Accounts and supplier API tokens, made and changed in one place for the CLI and the administrator.

`vroeg portal user add` / `token add` and the administrator's pages call these functions, so the
rules (a coordinator has exactly one known team, a supplier one known supplier code, a password that
meets the policy of portal/passwords.py) and the audit lines are the same whichever way an account is
made. Refusals are an AccountError with one Dutch sentence.
"""

from __future__ import annotations

import re
import secrets
import sqlite3

from portal import state
from portal.passwords import WeakPassword, check_password
from portal.security import ROLES, hash_password, new_api_token
from signals.registry import suppliers, teams

# Letters, digits and . _ @ -: never ':' (the audit log names API uploads 'api:<label>').
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_RESERVED = {"cli"}  # the audit log's name for the command line


class AccountError(ValueError):
    """The change is not made: one Dutch sentence saying why."""


def check_account(role: str, team: str | None, supplier: str | None) -> None:
    """Role, team and supplier code of a new account agree with each other and with the config."""
    if role not in ROLES:
        raise AccountError(f"Onbekende rol {role!r}; kies uit {', '.join(ROLES)}.")
    if (role == "coordinator") != bool(team):
        raise AccountError("Een coördinator heeft precies één team, andere rollen geen.")
    if (role == "supplier") != bool(supplier):
        raise AccountError("Een leverancier heeft precies één leverancierscode, andere rollen geen.")
    if team and team not in {t.code for t in teams().teams}:
        raise AccountError(f"Onbekend team {team!r}.")
    if supplier:
        check_supplier(supplier)


def check_supplier(supplier: str) -> None:
    try:
        suppliers().get(supplier)
    except KeyError as exc:
        raise AccountError(f"Onbekende leverancier {supplier!r}.") from exc


def generated_password() -> str:
    """A random initial password (27 characters), shown once to the administrator."""
    return secrets.token_urlsafe(20)


def _hash(password: str, username: str) -> str:
    try:
        check_password(password, username)
    except WeakPassword as exc:  # the message says why
        raise AccountError(str(exc)) from exc
    return hash_password(password)


def create_account(
    con: sqlite3.Connection,
    username: str,
    role: str,
    password: str,
    *,
    team: str | None = None,
    supplier: str | None = None,
    by: str,
    by_role: str | None = None,
    ip: str | None = None,
) -> None:
    """Add an account after every check; audited with who made it."""
    if not _USERNAME.fullmatch(username) or username.lower() in _RESERVED:
        raise AccountError(
            "Een gebruikersnaam heeft 1 tot 100 tekens: letters, cijfers en . _ @ - "
            "(en begint met een letter of cijfer)."
        )
    check_account(role, team, supplier)
    password_hash = _hash(password, username)
    try:
        state.add_account(
            con, username, role, password_hash, team_code=team or None, supplier_code=supplier or None
        )
    except sqlite3.IntegrityError as exc:
        raise AccountError(f"Het account {username} bestaat al.") from exc
    state.audit(
        con,
        "account_aangemaakt",
        username=by,
        role=by_role,
        team_code=team or None,
        supplier_code=supplier or None,
        detail=f"{username} ({role})",
        ip=ip,
    )


def _existing(con: sqlite3.Connection, username: str) -> state.Account:
    account = state.account_by_name(con, username)
    if account is None:
        raise AccountError(f"Het account {username} bestaat niet.")
    return account


def set_active(
    con: sqlite3.Connection,
    username: str,
    is_active: bool,
    *,
    by: str,
    by_role: str | None = None,
    ip: str | None = None,
) -> None:
    """(De)activate an account; a deactivated account's sessions end at once. Nobody locks themselves out."""
    account = _existing(con, username)
    if not is_active and username == by:
        raise AccountError("U kunt uw eigen account niet deactiveren.")
    state.set_active(con, account.account_id, is_active)
    state.audit(
        con,
        "account_geactiveerd" if is_active else "account_gedeactiveerd",
        username=by,
        role=by_role,
        detail=username,
        ip=ip,
    )


def reset_password(
    con: sqlite3.Connection,
    username: str,
    password: str,
    *,
    by: str,
    by_role: str | None = None,
    ip: str | None = None,
) -> None:
    """A new password for an account; its sessions end (whoever held them must log in again)."""
    account = _existing(con, username)
    state.set_password_hash(con, account.account_id, _hash(password, username))
    state.end_account_sessions(con, account.account_id)
    state.audit(con, "wachtwoord_gereset", username=by, role=by_role, detail=username, ip=ip)


def reset_second_factor(
    con: sqlite3.Connection,
    username: str,
    *,
    by: str,
    by_role: str | None = None,
    ip: str | None = None,
) -> None:
    """Clear an account's second factor (secret and recovery codes) and end its sessions: at the next
    log-in the user sets one up again. For a lost phone; the administrator checks who asks."""
    account = _existing(con, username)
    if not account.has_second_factor:
        raise AccountError(f"Het account {username} heeft geen tweede factor ingesteld.")
    state.set_totp_secret(con, account.account_id, None)
    state.end_account_sessions(con, account.account_id)
    state.audit(con, "tweede_factor_gereset", username=by, role=by_role, detail=username, ip=ip)


def issue_token(
    con: sqlite3.Connection,
    supplier: str,
    label: str,
    *,
    by: str,
    by_role: str | None = None,
    ip: str | None = None,
) -> str:
    """A new API token for a supplier: returned once, stored only as a hash."""
    check_supplier(supplier)
    label = " ".join(label.split())
    if not label or len(label) > 80:
        raise AccountError("Geef de sleutel een omschrijving van 1 tot 80 tekens.")
    token = new_api_token()
    state.add_api_token(con, token, supplier, label)
    state.audit(
        con, "api_sleutel_aangemaakt", username=by, role=by_role, supplier_code=supplier, detail=label, ip=ip
    )
    return token


def revoke_token(
    con: sqlite3.Connection, token_id: int, *, by: str, by_role: str | None = None, ip: str | None = None
) -> None:
    revoked = state.revoke_api_token(con, token_id, by)
    if revoked is None:
        raise AccountError("Deze API-sleutel bestaat niet of is al ingetrokken.")
    state.audit(
        con,
        "api_sleutel_ingetrokken",
        username=by,
        role=by_role,
        supplier_code=revoked["supplier_code"],
        detail=revoked["label"],
        ip=ip,
    )
