"""The administrator's pages: the audit log, the nightly runs, accounts and supplier API tokens.

Accounts and tokens are made and changed through portal.accounts, the same functions the CLI uses.
A new password or token is shown once, in the answer to the form that made it, and stored only as a
hash. Every change is audited with the administrator's name; every form carries the session's CSRF
token (CheckedUser). Destructive changes (deactivate, reset a password or a second factor, revoke a
token) take a confirmation page first.
"""

from __future__ import annotations

import sqlite3
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
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
    from portal.cache import reading
    from warehouse.runs import last_runs

    require_role(user, "administrator")
    ws: Workspace = request.app.state.workspace
    found = []
    if ws.warehouse.exists():
        with reading(ws.warehouse) as con:
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


# --- destructive changes: a confirmation page first ------------------------------------------------
# GET shows what will happen, with a form whose POST (CSRF token, `bevestigd=ja`) does it. A POST
# without the confirmation changes nothing and sends the administrator to the confirmation page.

CONFIRMED = "ja"


def _confirm_page(request: Request, user: User, action: str, **context):
    return render(request, "confirm.html", user, action=action, **context)


def _to_confirmation(path: str, **query: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode(query)}", status_code=303)


def _account_for(con: sqlite3.Connection, username: str) -> state.Account:
    account = state.account_by_name(con, username[:100])
    if account is None:
        raise HTTPException(404, "Dit account bestaat niet.")
    return account


@router.get(f"{ACCOUNTS_PAGE}/deactiveren")
def confirm_deactivate(request: Request, user: CurrentUser, con: StateDB, gebruikersnaam: str = ""):
    require_role(user, "administrator")
    account = _account_for(con, gebruikersnaam)
    return _confirm_page(
        request,
        user,
        f"{ACCOUNTS_PAGE}/deactiveren",
        title=f"Account {account.username} deactiveren",
        effects=[
            f"{account.username} ({dutch.role_label(account.role)}) kan niet meer inloggen.",
            "Wie nu met dit account is ingelogd, wordt direct uitgelogd.",
            "U kunt het account later weer activeren; de gegevens blijven bewaard.",
        ],
        fields={"gebruikersnaam": account.username},
        button="Ja, deactiveren",
    )


@router.post(f"{ACCOUNTS_PAGE}/deactiveren")
def deactivate(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    gebruikersnaam: Annotated[str, Form()] = "",
    bevestigd: Annotated[str, Form()] = "",
):
    require_role(user, "administrator")
    if bevestigd != CONFIRMED:
        return _to_confirmation(f"{ACCOUNTS_PAGE}/deactiveren", gebruikersnaam=gebruikersnaam)
    try:
        accounts.set_active(con, gebruikersnaam, False, **_who(request, user))
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return RedirectResponse(ACCOUNTS_PAGE, status_code=303)


@router.get(f"{ACCOUNTS_PAGE}/wachtwoord")
def confirm_reset_password(request: Request, user: CurrentUser, con: StateDB, gebruikersnaam: str = ""):
    require_role(user, "administrator")
    account = _account_for(con, gebruikersnaam)
    return _confirm_page(
        request,
        user,
        f"{ACCOUNTS_PAGE}/wachtwoord",
        title=f"Wachtwoord van {account.username} opnieuw instellen",
        effects=[
            "Het huidige wachtwoord werkt niet meer.",
            "Wie nu met dit account is ingelogd, wordt direct uitgelogd.",
            "Laat u het veld leeg, dan maakt de portal een wachtwoord en toont het één keer.",
        ],
        fields={"gebruikersnaam": account.username},
        password_for=account.username,
        button="Ja, wachtwoord opnieuw instellen",
    )


@router.post(f"{ACCOUNTS_PAGE}/wachtwoord")
def reset_password(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    gebruikersnaam: Annotated[str, Form()] = "",
    wachtwoord: Annotated[str, Form(max_length=500)] = "",
    bevestigd: Annotated[str, Form()] = "",
):
    """A new password (given, or made and shown once); the account's sessions end."""
    require_role(user, "administrator")
    if bevestigd != CONFIRMED:
        return _to_confirmation(f"{ACCOUNTS_PAGE}/wachtwoord", gebruikersnaam=gebruikersnaam)
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


@router.get(f"{ACCOUNTS_PAGE}/tweede-factor")
def confirm_reset_second_factor(request: Request, user: CurrentUser, con: StateDB, gebruikersnaam: str = ""):
    require_role(user, "administrator")
    account = _account_for(con, gebruikersnaam)
    return _confirm_page(
        request,
        user,
        f"{ACCOUNTS_PAGE}/tweede-factor",
        title=f"Tweede factor van {account.username} wissen",
        effects=[
            "De koppeling met de authenticator-app en alle herstelcodes van dit account vervallen.",
            "Wie nu met dit account is ingelogd, wordt direct uitgelogd.",
            "Bij de volgende inlog stelt de gebruiker na het wachtwoord een nieuwe tweede factor in. "
            "Doe dit alleen als u zeker weet dat de gebruiker zelf erom vraagt (bijvoorbeeld bij een "
            "verloren telefoon).",
        ],
        fields={"gebruikersnaam": account.username},
        button="Ja, tweede factor wissen",
    )


@router.post(f"{ACCOUNTS_PAGE}/tweede-factor")
def reset_second_factor(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    gebruikersnaam: Annotated[str, Form()] = "",
    bevestigd: Annotated[str, Form()] = "",
):
    require_role(user, "administrator")
    if bevestigd != CONFIRMED:
        return _to_confirmation(f"{ACCOUNTS_PAGE}/tweede-factor", gebruikersnaam=gebruikersnaam)
    try:
        accounts.reset_second_factor(con, gebruikersnaam, **_who(request, user))
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return _accounts_page(
        request,
        user,
        con,
        message=f"De tweede factor van {gebruikersnaam} is gewist; bij de volgende inlog stelt "
        "de gebruiker een nieuwe in.",
    )


def _live_token(con: sqlite3.Connection, sleutel: str) -> dict:
    found = [t for t in state.api_tokens(con) if str(t["token_id"]) == sleutel and not t["revoked_at"]]
    if not found:
        raise HTTPException(404, "Deze API-sleutel bestaat niet of is al ingetrokken.")
    return found[0]


@router.get("/beheer/api-sleutels/intrekken")
def confirm_revoke_token(request: Request, user: CurrentUser, con: StateDB, sleutel: str = ""):
    require_role(user, "administrator")
    token = _live_token(con, sleutel[:18])
    return _confirm_page(
        request,
        user,
        "/beheer/api-sleutels/intrekken",
        title=f"API-sleutel {token['label']} van {token['supplier_code']} intrekken",
        effects=[
            "Het systeem van de leverancier dat deze sleutel gebruikt, kan direct niets meer aanleveren.",
            "Intrekken kan niet ongedaan worden gemaakt; maak zo nodig een nieuwe sleutel.",
        ],
        fields={"sleutel": str(token["token_id"])},
        button="Ja, intrekken",
    )


@router.post("/beheer/api-sleutels/intrekken")
def revoke_token(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    sleutel: Annotated[str, Form()] = "",
    bevestigd: Annotated[str, Form()] = "",
):
    require_role(user, "administrator")
    if bevestigd != CONFIRMED:
        return _to_confirmation("/beheer/api-sleutels/intrekken", sleutel=sleutel[:18])
    try:
        if not sleutel.isdigit() or len(sleutel) > 18:
            raise accounts.AccountError("Deze API-sleutel bestaat niet of is al ingetrokken.")
        accounts.revoke_token(con, int(sleutel), **_who(request, user))
    except accounts.AccountError as error:
        return _refused(request, user, con, error)
    return RedirectResponse(ACCOUNTS_PAGE, status_code=303)
