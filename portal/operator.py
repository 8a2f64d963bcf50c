"""Who may make a record-level export on the command line: an administrator, proven as at the portal.

A DDAS v1.2 file names every client's address (indicators/ddas.py), so `vroeg ddas` is not for
whoever can open a terminal on the server: the operator names a portal account with an allowed
role and gives its password and a second-factor code, checked exactly as the portal's log-in checks
them (portal/security.py `authenticate`, portal/second_factor.py). Every attempt, made or refused,
is a line in the portal's audit log. Failed attempts are throttled per process only (one command,
one process): the portal's own throttle keeps its counts in the portal's memory.
"""

from __future__ import annotations

import sqlite3

from portal import state
from portal.second_factor import accept_code
from portal.security import authenticate
from portal.security_config import security_config
from portal.throttle import LoginThrottle

# Who may make a record-level DDAS export (issue 17: the administrator role).
EXPORT_ROLES = ("administrator",)
REFUSED_ACTION = "ddas_export_geweigerd"


class OperatorRefused(PermissionError):
    """Not allowed: one Dutch sentence, the same for a wrong name, password or code."""


def confirm_operator(
    con: sqlite3.Connection, username: str, password: str, code: str, roles: tuple[str, ...] = EXPORT_ROLES
) -> state.Account:
    """The account, if the password and the second-factor code are right and its role is allowed.

    The refusal does not say which of name, password or code was wrong; the audit line does
    (in fixed words)."""
    throttle = LoginThrottle(security_config().login)
    account = authenticate(con, username, password, None, throttle)
    if account is None:
        _refuse(con, username, "naam of wachtwoord onjuist")
    if account.role not in roles:
        _refuse(con, username, "rol niet toegestaan", role=account.role)
    if not account.has_second_factor:
        _refuse(con, username, "geen tweede factor ingesteld", role=account.role)
    if not accept_code(con, account, code):
        _refuse(con, username, "code onjuist", role=account.role)
    return account


def _refuse(con: sqlite3.Connection, username: str, why: str, role: str | None = None) -> None:
    state.audit(con, REFUSED_ACTION, username=username, role=role, detail=why, result=state.REFUSED)
    raise OperatorRefused(
        "Geweigerd: een DDAS-export maakt alleen een beheerder, met het wachtwoord en de code van de "
        "tweede factor van het portaal (stel die eerst in door op het portaal in te loggen)."
    )
