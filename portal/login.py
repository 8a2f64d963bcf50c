"""Logging in and out: the password, then the second factor (a code, or setting one up first).

1. POST /inloggen checks the password (portal/security.authenticate: throttled per address, every
   failure answered after the same time, with one message that never says whether the account
   exists). A right password makes a half-made session (fresh id) and sends the visitor on to:
2. /inloggen/code for the 6-digit code of the authenticator app or a recovery code, or, without a
   second factor yet, /inloggen/instellen, which shows a new secret and its QR code once and asks
   for a code made from it; the recovery codes are shown once after that.
   Either way the half-made session is replaced by a logged-in one (a fresh id again).

The second factor is required for administrators, and for the other roles when
config/security.yaml says so (`second_factor.required_for_all_roles`).
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from portal import second_factor, state
from portal.pages import render
from portal.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CheckedUser,
    Refusal,
    StateDB,
    authenticate,
    client_ip,
    pending_login,
    start_session,
)
from portal.security_config import security_config

router = APIRouter()
CODE_PAGE = "/inloggen/code"
SETUP_PAGE = "/inloggen/instellen"
LOGIN_FAILED = (
    "Inloggen is niet gelukt. Controleer uw gebruikersnaam en wachtwoord. Na een aantal mislukte "
    "pogingen moet u even wachten voordat u het opnieuw kunt proberen."
)
CODE_FAILED = "Deze code klopt niet of is al gebruikt. Probeer de volgende code uit de app."
TOO_MANY_CODES = "Te veel verkeerde codes. Log opnieuw in met uw wachtwoord."


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure_cookie,
        path="/",
    )


def _login_page(request: Request, status_code: int = 200, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status_code=status_code, csrf_token=token, error=error)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=1800)
    return response


@router.get("/inloggen")
def login_page(request: Request):
    return _login_page(request)


@router.post("/inloggen")
def login(
    request: Request,
    con: StateDB,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=500)],
    csrf_token: Annotated[str, Form()] = "",
):
    started = time.monotonic()
    # No session yet: the log-in form's token is checked against a cookie (double submit).
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        raise Refusal(403, "Het formulier is verlopen; laad de pagina opnieuw.", "csrf_geweigerd")
    ip = client_ip(request)
    account = authenticate(con, username, password, ip, request.app.state.login_throttle)
    if account is None:
        # Every failure is answered after the same time: the timing tells nothing either.
        wait = security_config().login.failure_response_seconds - (time.monotonic() - started)
        if wait > 0:
            time.sleep(wait)
        return _login_page(request, status_code=401, error=LOGIN_FAILED)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        state.end_session(con, old)
    if account.has_second_factor or security_config().requires_second_factor(account.role):
        session_id = start_session(con, account, is_verified=False)
        response = RedirectResponse(CODE_PAGE if account.has_second_factor else SETUP_PAGE, status_code=303)
    else:
        session_id = start_session(con, account)
        state.audit(con, "ingelogd", username=account.username, role=account.role, ip=ip)
        response = RedirectResponse("/", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session_id)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


def _pending(request: Request, con: sqlite3.Connection) -> tuple[state.Account, str, str] | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    found = pending_login(con, session_id)
    return (found[0], found[1], session_id) if found else None


def _check_csrf(sent: str, csrf_token: str) -> None:
    if not secrets.compare_digest(sent, csrf_token):
        raise Refusal(403, "Het formulier is verlopen; log opnieuw in.", "csrf_geweigerd")


def _logged_in(request: Request, con: sqlite3.Connection, account: state.Account, pending_id: str, response):
    """End the half-made session, start the logged-in one under a fresh id."""
    state.end_session(con, pending_id)
    session_id = start_session(con, account)
    state.audit(con, "ingelogd", username=account.username, role=account.role, ip=client_ip(request))
    set_cookie(request, response, SESSION_COOKIE, session_id)
    return response


def _wrong_code(request: Request, con: sqlite3.Connection, account: state.Account, pending_id: str):
    """Count a wrong code (per half-made log-in, and in the log-in throttle); None while more may follow."""
    ip = client_ip(request)
    state.audit(con, "inlogcode_mislukt", username=account.username, role=account.role, ip=ip)
    request.app.state.login_throttle.failed(account.username, ip)
    if state.add_code_failure(con, pending_id) >= security_config().login.max_code_attempts:
        state.end_session(con, pending_id)
        response = _login_page(request, status_code=401, error=TOO_MANY_CODES)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    return None


@router.get(CODE_PAGE)
def code_page(request: Request, con: StateDB):
    found = _pending(request, con)
    if found is None:
        return RedirectResponse("/inloggen", status_code=303)
    account, csrf_token, _ = found
    if not account.has_second_factor:
        return RedirectResponse(SETUP_PAGE, status_code=303)
    return render(request, "login_code.html", None, csrf_token=csrf_token)


@router.post(CODE_PAGE)
def enter_code(
    request: Request,
    con: StateDB,
    code: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
):
    found = _pending(request, con)
    if found is None:
        return RedirectResponse("/inloggen", status_code=303)
    account, expected, pending_id = found
    _check_csrf(csrf_token, expected)
    if second_factor.accept_code(con, account, code):
        return _logged_in(request, con, account, pending_id, RedirectResponse("/", status_code=303))
    if second_factor.accept_recovery_code(con, account, code):
        state.audit(
            con, "herstelcode_gebruikt", username=account.username, role=account.role, ip=client_ip(request)
        )
        return _logged_in(request, con, account, pending_id, RedirectResponse("/", status_code=303))
    refused = _wrong_code(request, con, account, pending_id)
    return refused or render(
        request, "login_code.html", None, status_code=401, csrf_token=expected, error=CODE_FAILED
    )


def _setup_page(request: Request, account: state.Account, csrf_token: str, secret: str, **context):
    uri = second_factor.provisioning_uri(secret, account.username, security_config().second_factor.issuer)
    return render(
        request,
        "login_setup.html",
        None,
        csrf_token=csrf_token,
        secret=secret,
        qr=second_factor.qr_data_uri(uri),
        **context,
    )


@router.get(SETUP_PAGE)
def setup_page(request: Request, con: StateDB):
    found = _pending(request, con)
    if found is None:
        return RedirectResponse("/inloggen", status_code=303)
    account, csrf_token, pending_id = found
    if account.has_second_factor:
        return RedirectResponse(CODE_PAGE, status_code=303)
    secret = state.pending_totp_secret(con, pending_id)
    if secret is None:
        secret = second_factor.new_secret()
        state.set_pending_totp_secret(con, pending_id, secret)
    return _setup_page(request, account, csrf_token, secret)


@router.post(SETUP_PAGE)
def set_up(
    request: Request,
    con: StateDB,
    code: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
):
    found = _pending(request, con)
    if found is None:
        return RedirectResponse("/inloggen", status_code=303)
    account, expected, pending_id = found
    _check_csrf(csrf_token, expected)
    secret = state.pending_totp_secret(con, pending_id)
    if account.has_second_factor or secret is None:
        return RedirectResponse(CODE_PAGE if account.has_second_factor else SETUP_PAGE, status_code=303)
    step = second_factor.matching_step(secret, code)
    if step is None:
        refused = _wrong_code(request, con, account, pending_id)
        return refused or _setup_page(request, account, expected, secret, error=CODE_FAILED)
    state.set_totp_secret(con, account.account_id, secret)
    state.claim_totp_step(con, account.account_id, step)
    codes = second_factor.new_recovery_codes(security_config().second_factor.recovery_codes)
    second_factor.store_recovery_codes(con, account.account_id, codes)
    state.audit(
        con, "tweede_factor_ingesteld", username=account.username, role=account.role, ip=client_ip(request)
    )
    return _logged_in(
        request, con, account, pending_id, render(request, "login_recovery_codes.html", None, codes=codes)
    )


@router.post("/uitloggen")
def logout(request: Request, user: CheckedUser, con: StateDB):
    state.end_session(con, user.session_id)
    state.audit(con, "uitgelogd", username=user.username, role=user.role, ip=client_ip(request))
    response = RedirectResponse("/inloggen", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
