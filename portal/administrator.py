"""The administrator's pages: the audit log, the nightly runs, accounts and supplier API tokens.

Accounts and tokens are made and changed through portal.accounts, the same functions the CLI uses.
A new password or token is shown once, in the answer to the form that made it, and stored only as a
hash. Every change is audited with the administrator's name; every form carries the session's CSRF
token (CheckedUser).
"""

from __future__ import annotations

import sqlite3
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from portal import accounts, dutch, state
from portal.pages import render
from portal.security import CheckedUser, CurrentUser, StateDB, User, client_ip, require_role
from signals.registry import suppliers, teams
from warehouse.workspace import Workspace

router = APIRouter()
ACCOUNTS_PAGE = "/beheer/accounts"


@router.get("/beheer/audit")
def audit_log(
    request: Request,
    user: CurrentUser,
    con: StateDB,
    gebruiker: str = "",
    huishouden: str = "",
):
    require_role(user, "administrator")
    entries = state.audit_entries(con, gebruiker[:100], huishouden[:100])
    state.audit(
        con,
        "auditlog_bekeken",
        username=user.username,
        role=user.role,
        detail=f"filter gebruiker={gebruiker[:100]!r} huishouden={huishouden[:100]!r}",
        ip=client_ip(request),
    )
    return render(
        request,
        "audit.html",
        user,
        entries=entries,
        gebruiker=gebruiker,
        huishouden=huishouden,
        chain=state.chain_status(con),
    )


@router.get("/beheer/runs")
def runs(request: Request, user: CurrentUser):
    from warehouse.runs import last_runs
    from warehouse.store import read_only

    require_role(user, "administrator")
    ws: Workspace = request.app.state.workspace
    found = []
    if ws.warehouse.exists():
        with read_only(ws.warehouse) as con:
            found = last_runs(con, 20)
    return render(request, "runs.html", user, runs=found)


def _who(request: Request, user: User) -> dict:
    return {"by": user.username, "by_role": user.role, "ip": client_ip(request)}


def _accounts_page(request: Request, user: User, con: sqlite3.Connection, status_code: int = 200, **context):
    return render(
        request,
        "accounts.html",
        user,
        status_code=status_code,
        accounts=state.accounts(con),
        tokens=state.api_tokens(con),
        roles=accounts.ROLES,
        teams=teams().teams,
        suppliers=suppliers().suppliers,
        **context,
    )


@router.get(ACCOUNTS_PAGE)
def account_list(request: Request, user: CurrentUser, con: StateDB):
    require_role(user, "administrator")
    state.audit(con, "accounts_bekeken", username=user.username, role=user.role, ip=client_ip(request))
    return _accounts_page(request, user, con)


def _refused(request: Request, user: User, con: sqlite3.Connection, error: accounts.AccountError):
    return _accounts_page(request, user, con, status_code=400, error=str(error))


@router.post(f"{ACCOUNTS_PAGE}/nieuw")
def create_account(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    gebruikersnaam: Annotated[str, Form()] = "",
    rol: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    leverancier: Annotated[str, Form()] = "",
    wachtwoord: Annotated[str, Form()] = "",
):
    """A new account; without a password given, a random one is made and shown once."""
    require_role(user, "administrator")
    password = wachtwoord or accounts.generated_password()
    try:
        accounts.create_account(
            con,
            gebruikersnaam.strip(),
            rol,
            password,
            team=team if rol == "coordinator" else None,
            supplier=leverancier if rol == "supplier" else None,
            **_who(request, user),
        )
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return _accounts_page(
        request,
        user,
        con,
        message=f"Account {gebruikersnaam.strip()} ({dutch.role_label(rol)}) aangemaakt.",
        secret_for=gebruikersnaam.strip(),
        password=None if wachtwoord else password,
    )


@router.post(f"{ACCOUNTS_PAGE}/deactiveren")
def deactivate(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    gebruikersnaam: Annotated[str, Form()] = "",
):
    require_role(user, "administrator")
    try:
        accounts.set_active(con, gebruikersnaam, False, **_who(request, user))
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return RedirectResponse(ACCOUNTS_PAGE, status_code=303)


@router.post(f"{ACCOUNTS_PAGE}/activeren")
def reactivate(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    gebruikersnaam: Annotated[str, Form()] = "",
):
    require_role(user, "administrator")
    try:
        accounts.set_active(con, gebruikersnaam, True, **_who(request, user))
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return RedirectResponse(ACCOUNTS_PAGE, status_code=303)


@router.post(f"{ACCOUNTS_PAGE}/wachtwoord")
def reset_password(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    gebruikersnaam: Annotated[str, Form()] = "",
    wachtwoord: Annotated[str, Form()] = "",
):
    """A new password (given, or made and shown once); the account's sessions end."""
    require_role(user, "administrator")
    password = wachtwoord or accounts.generated_password()
    try:
        accounts.reset_password(con, gebruikersnaam, password, **_who(request, user))
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return _accounts_page(
        request,
        user,
        con,
        message=f"Nieuw wachtwoord voor {gebruikersnaam} ingesteld; wie ingelogd was, is uitgelogd.",
        secret_for=gebruikersnaam,
        password=None if wachtwoord else password,
    )


@router.post("/beheer/api-sleutels/nieuw")
def issue_token(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    leverancier: Annotated[str, Form()] = "",
    omschrijving: Annotated[str, Form()] = "",
):
    require_role(user, "administrator")
    try:
        token = accounts.issue_token(con, leverancier, omschrijving, **_who(request, user))
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return _accounts_page(
        request, user, con, message=f"API-sleutel voor {leverancier} aangemaakt.", token=token
    )


@router.post("/beheer/api-sleutels/intrekken")
def revoke_token(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    sleutel: Annotated[str, Form()] = "",
):
    require_role(user, "administrator")
    try:
        if not sleutel.isdigit() or len(sleutel) > 18:
            raise accounts.AccountError("Deze API-sleutel bestaat niet of is al ingetrokken.")
        accounts.revoke_token(con, int(sleutel), **_who(request, user))
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return RedirectResponse(ACCOUNTS_PAGE, status_code=303)
