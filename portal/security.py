"""Who is asking: password hashing, sessions in a cookie, CSRF tokens, supplier API tokens, roles.

A session is a random id in an HttpOnly, SameSite=Lax cookie (Secure unless switched off for a
plain-HTTP test set-up); the server keeps the session row with its CSRF token (synchroniser token),
which every POST form must send back. Sessions end after the idle and absolute timeouts of
config/security.yaml (`session`).

A log-in takes two steps: the password makes a half-made session (`is_verified` 0, a fresh id),
the second factor (portal/second_factor.py, portal/login.py) replaces it by a logged-in one (again a
fresh id). Only a logged-in session opens a page. Failed log-ins are throttled per address
(portal/throttle.py), never locked per user name.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData

from portal import state
from portal.passwords import MIN_LENGTH
from portal.security_config import security_config
from portal.throttle import LoginThrottle
from signals.registry import safe_id

SESSION_COOKIE = "vroeg_sessie"
LOGIN_CSRF_COOKIE = "vroeg_inlog_csrf"
# A half-made log-in (password right, second factor to come) ends after this long.
PENDING_TIMEOUT = timedelta(minutes=10)
MIN_PASSWORD_LENGTH = MIN_LENGTH
ROLES = ("coordinator", "supplier", "evaluator", "administrator")

_HASHER = PasswordHasher()
# Verified when the user name is unknown, so a failed log-in takes as long either way.
_DUMMY_HASH = _HASHER.hash("not-a-password-of-anyone")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")
    return _HASHER.hash(password)


class LoginRequired(Exception):
    """No (live) session: the HTML pages send the visitor to the log-in page."""


class Refusal(HTTPException):
    """A refusal with its own audit action (portal/errors.py audits every refusal; without one, the
    action follows from the status). `audit_detail` names the reason in a few fixed words."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        action: str,
        audit_detail: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, detail, headers=headers)
        self.audit_action = action
        self.audit_detail = audit_detail


@dataclass(frozen=True)
class User:
    username: str
    role: str
    team_code: str | None
    supplier_code: str | None
    csrf_token: str
    session_id: str
    seen_seconds_ago: float = 0.0  # since the session's last recorded request


def state_db(request: Request) -> Iterator[sqlite3.Connection]:
    """One connection to portal.sqlite per request."""
    con = state.open_state(request.app.state.state_path)
    try:
        yield con
    finally:
        con.close()


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def authenticate(
    con: sqlite3.Connection, username: str, password: str, ip: str | None, throttle: LoginThrottle
) -> state.Account | None:
    """The account if the password is right, the account active and the address not throttled;
    audited either way. A password hash is verified in every case (a dummy one for an unknown
    user, and when throttled), so that no failure is quicker than another."""
    is_throttled = throttle.is_throttled(username, ip)
    account = state.account_by_name(con, username)
    try:
        _HASHER.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        account = None
    else:
        if account is None or not account.is_active:
            account = None
    if is_throttled:
        state.audit(con, "inloggen_vertraagd", username=username, ip=ip)
        return None
    if account is None:
        throttle.failed(username, ip)
        state.audit(con, "inloggen_mislukt", username=username, ip=ip)
        return None
    if _HASHER.check_needs_rehash(account.password_hash):
        state.set_password_hash(con, account.account_id, _HASHER.hash(password))
    return account


def start_session(con: sqlite3.Connection, account: state.Account, is_verified: bool = True) -> str:
    """A fresh session id (never one the visitor brought: no session fixation); `is_verified=False`
    for the half-made session between the password and the second factor."""
    session_id = secrets.token_urlsafe(32)
    state.add_session(con, session_id, account.account_id, secrets.token_urlsafe(32), is_verified)
    return session_id


# A session's last request is recorded at most this often: the idle timeout counts in minutes, and
# a write per request would make every page view queue for portal.sqlite.
TOUCH_AFTER_SECONDS = 30


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def _live_session(con: sqlite3.Connection, session_id: str | None) -> User | None:
    """The session's user, or None when there is none or it has expired (an expired one is ended)."""
    found = state.session_account(con, session_id) if session_id else None
    if found is None:
        return None
    account, csrf_token, created_at, last_seen_at = found
    now = datetime.now(tz=UTC)
    timeouts = security_config().session
    if (
        now - _parse(last_seen_at) > timeouts.idle_timeout
        or now - _parse(created_at) > timeouts.absolute_timeout
    ):
        state.end_session(con, session_id)
        return None
    return User(
        account.username,
        account.role,
        account.team_code,
        account.supplier_code,
        csrf_token,
        session_id,
        seen_seconds_ago=(now - _parse(last_seen_at)).total_seconds(),
    )


def pending_login(con: sqlite3.Connection, session_id: str | None) -> tuple[state.Account, str] | None:
    """(account, CSRF token) of a half-made log-in (password right, second factor to come), or None
    when there is none or it is older than PENDING_TIMEOUT (then it is ended)."""
    found = state.session_account(con, session_id, is_verified=False) if session_id else None
    if found is None:
        return None
    account, csrf_token, created_at, _ = found
    if datetime.now(tz=UTC) - _parse(created_at) > PENDING_TIMEOUT:
        state.end_session(con, session_id)
        return None
    return account, csrf_token


def current_user(request: Request, con: Annotated[sqlite3.Connection, Depends(state_db)]) -> User:
    session_id = request.cookies.get(SESSION_COOKIE)
    user = _live_session(con, session_id)
    if user is None:
        raise LoginRequired
    if user.seen_seconds_ago >= TOUCH_AFTER_SECONDS:
        state.touch_session(con, session_id)
    return user


def page_user(request: Request) -> User | None:
    """Who is logged in, for a page outside the routes (an error page): None when nobody is, or
    when portal.sqlite cannot be read. Does not count as activity (the idle timer is not reset)."""
    try:
        con = state.open_state(request.app.state.state_path)
    except Exception:  # an error page must still render when the state cannot be read
        return None
    try:
        return _live_session(con, request.cookies.get(SESSION_COOKIE))
    except Exception:
        return None
    finally:
        con.close()


def check_csrf(form: FormData, user: User) -> None:
    """The form's CSRF token is the session's, else 403."""
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, user.csrf_token):
        raise Refusal(
            403,
            "Het formulier is verlopen of niet door deze site gemaakt; probeer het opnieuw.",
            "csrf_geweigerd",
        )


async def checked_user(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
    """The user of a POST form, after its CSRF token has been checked against the session's."""
    check_csrf(await request.form(), user)
    return user


StateDB = Annotated[sqlite3.Connection, Depends(state_db)]
CurrentUser = Annotated[User, Depends(current_user)]
# For POST forms: the CSRF token is checked before the handler runs.
CheckedUser = Annotated[User, Depends(checked_user)]


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise HTTPException(403, "U heeft geen toegang tot deze pagina.")


def require_team(user: User, team: str) -> str:
    """Coordinators see their own team only. `team` is the URL's team: the code's safe id
    (signals.registry.safe_id); returns the team code as configured."""
    require_role(user, "coordinator")
    if user.team_code is None or safe_id(user.team_code) != team:
        raise HTTPException(403, "U heeft geen toegang tot de lijst van dit team.")
    return user.team_code


def require_supplier(user: User, supplier: str) -> str:
    """Suppliers see their own deliveries only. `supplier` is the URL's supplier (the code's safe id);
    returns the supplier code as configured."""
    require_role(user, "supplier")
    if user.supplier_code is None or safe_id(user.supplier_code) != supplier:
        raise HTTPException(403, "U heeft geen toegang tot de leveringen van deze leverancier.")
    return user.supplier_code


def new_api_token() -> str:
    return "vroeg_" + secrets.token_urlsafe(32)


def bearer_supplier(request: Request, con: sqlite3.Connection) -> tuple[str, str]:
    """(supplier code, token label) of the request's `Authorization: Bearer` token, else 401.

    Called before the body is read: a refused client's upload is never taken in (and the connection
    is closed rather than the rest of its body read and thrown away).
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    found = state.token_supplier(con, token.strip()) if scheme.lower() == "bearer" and token else None
    if found is None:  # audited as a refusal (portal/errors.py)
        raise Refusal(
            401,
            "Geen geldige API-sleutel.",
            "api_token_geweigerd",
            "geen sleutel" if not token else "onbekende of ingetrokken sleutel",
            headers={"WWW-Authenticate": "Bearer", "Connection": "close"},
        )
    return found


# For the audit of a refused request (portal/audit_context.py): who is logged in, without counting
# it as activity.
live_session = _live_session
