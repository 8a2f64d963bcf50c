"""The administrator's page of DDAS API clients: list, create (the secret shown once), revoke.

The same functions as `vroeg portal ddas-client` (clients.py), so the audit lines are the same.
Revoking takes the portal's confirmation page (confirm.html) first; every form carries the
session's CSRF token (CheckedUser).
"""

from __future__ import annotations

import sqlite3
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from portal import state
from portal.ddas_api.clients import ClientError, create_client, revoke_client
from portal.ddas_api.openapi import BASE_PATH
from portal.pages import render
from portal.security import CheckedUser, CurrentUser, StateDB, User, client_ip, require_role

router = APIRouter()
PAGE = "/beheer/ddas-clients"
CONFIRMED = "ja"


def _who(request: Request, user: User) -> dict:
    return {"by": user.username, "by_role": user.role, "ip": client_ip(request)}


def _page(request: Request, user: User, con: sqlite3.Connection, status_code: int = 200, **context):
    return render(
        request,
        "ddas_clients.html",
        user,
        status_code=status_code,
        clients=state.ddas_clients(con),
        token_url=f"{BASE_PATH}/token",
        api_url=f"{BASE_PATH}/gegevens",
        **context,
    )


@router.get(PAGE)
def client_list(request: Request, user: CurrentUser, con: StateDB):
    require_role(user, "administrator")
    state.audit(con, "ddas_clients_bekeken", username=user.username, role=user.role, ip=client_ip(request))
    return _page(request, user, con)


@router.post(f"{PAGE}/nieuw")
def new_client(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    omschrijving: Annotated[str, Form(max_length=200)] = "",
):
    require_role(user, "administrator")
    try:
        client_id, secret = create_client(con, omschrijving, **_who(request, user))
    except ClientError as error:
        return _page(request, user, con, status_code=400, error=str(error))
    return _page(
        request, user, con, message=f"Client {client_id} aangemaakt.", client_id=client_id, secret=secret
    )


def _live_client(con: sqlite3.Connection, client_id: str) -> dict:
    found = [c for c in state.ddas_clients(con) if c["client_id"] == client_id and not c["revoked_at"]]
    if not found:
        raise HTTPException(404, "Deze client bestaat niet of is al ingetrokken.")
    return found[0]


@router.get(f"{PAGE}/intrekken")
def confirm_revoke(request: Request, user: CurrentUser, con: StateDB, client: str = ""):
    require_role(user, "administrator")
    found = _live_client(con, client[:100])
    return render(
        request,
        "confirm.html",
        user,
        action=f"{PAGE}/intrekken",
        title=f"DDAS-client {found['client_id']} ({found['label']}) intrekken",
        effects=[
            "Het systeem dat deze client gebruikt, kan direct geen vroegsignalen meer ophalen; zijn "
            "access tokens werken niet meer.",
            "Intrekken kan niet ongedaan worden gemaakt; maak zo nodig een nieuwe client.",
        ],
        fields={"client": found["client_id"]},
        button="Ja, intrekken",
        cancel=PAGE,
    )


@router.post(f"{PAGE}/intrekken")
def revoke(
    request: Request,
    user: CheckedUser,
    con: StateDB,
    client: Annotated[str, Form(max_length=200)] = "",
    bevestigd: Annotated[str, Form()] = "",
):
    require_role(user, "administrator")
    if bevestigd != CONFIRMED:
        return RedirectResponse(f"{PAGE}/intrekken?{urlencode({'client': client[:100]})}", status_code=303)
    try:
        revoke_client(con, client, **_who(request, user))
    except ClientError as error:
        return _page(request, user, con, status_code=400, error=str(error))
    return RedirectResponse(PAGE, status_code=303)
