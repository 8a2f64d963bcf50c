"""The forms of the household page: what a coordinator registers, and withdrawing a mistaken one.

Contact attempts and end results (DDAS vocabulary), an assignment to a worker, moving the household
to another lane (a person decides; the reason is required and recorded), and withdrawing any of
these with a reason. Every form carries the session's CSRF token (checked before the handler
runs), is validated, appended to portal.sqlite (never changed in place) and audited with the list's
as-of date and run. A refused form shows the household page again with one Dutch sentence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from portal import state
from portal.coordinator import audit, household_data, household_page
from portal.security import CheckedUser, StateDB, User, require_team
from rules.lanes import default_lanes
from signals.registrations import ddas_vocabulary
from signals.registry import safe_id

router = APIRouter()

# What a coordinator calls each kind of registration they can withdraw, and the table it is kept in.
WITHDRAWABLE = {
    "contactpoging": "contact_attempt",
    "resultaat": "case_result",
    "toewijzing": "assignment",
    "baan": "lane_override",
}


class _Invalid(ValueError):
    pass


def _date(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise _Invalid("Vul een geldige datum in.") from exc
    if day > date.today():
        raise _Invalid("De datum ligt in de toekomst.")
    return day


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise _Invalid(f"Kies een {what} uit de lijst.")
    return value


def _reason(value: str, what: str) -> str:
    reason = " ".join(value.split())
    if len(reason) < 10 or len(reason) > 500:
        raise _Invalid(f"Geef een reden voor {what} (10 tot 500 tekens).")
    return reason


def _change(
    request: Request,
    user: User,
    con: sqlite3.Connection,
    team: str,
    household_id: str,
    apply: Callable[[dict], tuple[str, str]],
) -> Response:
    """Check the household, apply one registration, audit it, and go back to the household page."""
    team = require_team(user, team)  # the URL's safe id -> the team code
    data = household_data(request, con, team, household_id)
    try:
        action, detail = apply(data)
    except _Invalid as invalid:
        return household_page(request, user, con, team, household_id, error=str(invalid), status_code=400)
    audit(
        con,
        request,
        user,
        action,
        household_id=household_id,
        as_of_date=data["as_of"],
        run_id=data["entry"]["run_id"],
        detail=detail,
    )
    return RedirectResponse(f"/teams/{safe_id(team)}/huishoudens/{household_id}", status_code=303)


@router.post("/teams/{team}/huishoudens/{household_id}/contactpoging")
def register_contact_attempt(
    request: Request,
    team: str,
    household_id: str,
    user: CheckedUser,
    con: StateDB,
    datum: Annotated[str, Form()] = "",
    soort: Annotated[str, Form()] = "",
    bereikt: Annotated[str, Form()] = "",
    dagdeel: Annotated[str, Form()] = "",
):
    vocab = ddas_vocabulary()

    def apply(data):
        day = _date(datum)
        _one_of(soort, vocab["EnumContactsoort"], "soort contact")
        _one_of(bereikt, ("ja", "nee"), "waarde bij 'bereikt'")
        if dagdeel:
            _one_of(dagdeel, vocab["EnumDagdeel"], "dagdeel")
        state.add_contact_attempt(
            con,
            wijkteam=team,
            household_id=household_id,
            address_key=data["entry"]["address_key"],
            contact_date=day,
            soort=soort,
            is_reached=bereikt == "ja",
            dagdeel=dagdeel or None,
            registered_by=user.username,
        )
        return "contactpoging_geregistreerd", f"{day.isoformat()} {soort} bereikt={bereikt} {dagdeel}".strip()

    return _change(request, user, con, team, household_id, apply)


@router.post("/teams/{team}/huishoudens/{household_id}/resultaat")
def register_result(
    request: Request,
    team: str,
    household_id: str,
    user: CheckedUser,
    con: StateDB,
    datum: Annotated[str, Form()] = "",
    eindresultaat: Annotated[str, Form()] = "",
):
    def apply(data):
        day = _date(datum)
        _one_of(eindresultaat, ddas_vocabulary()["EnumEindresultaat"], "eindresultaat")
        state.add_case_result(
            con,
            wijkteam=team,
            household_id=household_id,
            address_key=data["entry"]["address_key"],
            result_date=day,
            eindresultaat=eindresultaat,
            registered_by=user.username,
        )
        return "resultaat_geregistreerd", f"{day.isoformat()} {eindresultaat}"

    return _change(request, user, con, team, household_id, apply)


@router.post("/teams/{team}/huishoudens/{household_id}/toewijzing")
def assign(
    request: Request,
    team: str,
    household_id: str,
    user: CheckedUser,
    con: StateDB,
    medewerker: Annotated[str, Form()] = "",
):
    def apply(data):
        worker = " ".join(medewerker.split())
        if not worker or len(worker) > 80:
            raise _Invalid("Vul de naam van de medewerker in (hoogstens 80 tekens).")
        state.add_assignment(con, wijkteam=team, household_id=household_id, worker=worker, by=user.username)
        return "toegewezen", f"aan {worker}"

    return _change(request, user, con, team, household_id, apply)


@router.post("/teams/{team}/huishoudens/{household_id}/baan")
def move_to_lane(
    request: Request,
    team: str,
    household_id: str,
    user: CheckedUser,
    con: StateDB,
    baan: Annotated[str, Form()] = "",
    reden: Annotated[str, Form()] = "",
):
    """Move the household to another lane of this list, with a reason: a person decides, on the record."""
    lanes = default_lanes()

    def apply(data):
        _one_of(baan, lanes.codes, "baan")
        reason = _reason(reden, "de andere baan")
        current = data["entry"]["lane"]  # where the list shows it now, an earlier override included
        if baan == current:
            raise _Invalid(f"Dit huishouden staat al in de baan {lanes.label(baan)}.")
        state.add_lane_override(
            con,
            wijkteam=team,
            household_id=household_id,
            as_of=data["as_of"],
            lane=baan,
            reason=reason,
            by=user.username,
        )
        return "baan_aangepast", f"{lanes.label(current)} → {lanes.label(baan)}"

    return _change(request, user, con, team, household_id, apply)


@router.post("/teams/{team}/huishoudens/{household_id}/intrekken")
def withdraw(
    request: Request,
    team: str,
    household_id: str,
    user: CheckedUser,
    con: StateDB,
    soort: Annotated[str, Form()] = "",
    registratie: Annotated[str, Form()] = "",
    reden: Annotated[str, Form()] = "",
):
    """Withdraw a registration the team made by mistake: a withdrawal row with a reason, never an erasure."""

    def apply(data):
        kind = WITHDRAWABLE[_one_of(soort, tuple(WITHDRAWABLE), "soort registratie")]
        reason = _reason(reden, "het intrekken")
        if not registratie.isdigit() or len(registratie) > 18:
            raise _Invalid("Deze registratie bestaat niet bij dit huishouden.")
        try:
            added = state.add_withdrawal(
                con,
                kind=kind,
                registration_id=int(registratie),
                wijkteam=team,
                household_id=household_id,
                reason=reason,
                by=user.username,
            )
        except KeyError as unknown:
            raise _Invalid("Deze registratie bestaat niet bij dit huishouden.") from unknown
        if not added:
            raise _Invalid("Deze registratie was al ingetrokken.")
        return "registratie_ingetrokken", f"{soort} {registratie}: {reason}"

    return _change(request, user, con, team, household_id, apply)
