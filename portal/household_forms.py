"""The forms of the household page: what a coordinator registers, and withdrawing a mistaken one.

Contact attempts (DDAS vocabulary, with an optional follow-up date and note) and end results, an
assignment to a worker, moving the household to another lane (a person decides; the reason is
required and recorded), and withdrawing any of these with a reason. Every form carries the
session's CSRF token (checked before the handler runs), is validated, appended to portal.sqlite
(never changed in place) and audited with the list's as-of date and run.

Saved: post/redirect/get back to the household page, anchored at its forms, with `?opgeslagen=<form>`
naming what was saved (never a value) so the page confirms it. Refused: the page again (400),
anchored at the form, with everything typed kept and one Dutch sentence next to each field that is
wrong (portal/form_checks.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from portal import state
from portal.coordinator import audit, household_data, household_page
from portal.form_checks import Form as Submitted
from portal.form_checks import event_dates, follow_up_dates
from portal.security import CheckedUser, StateDB, User, require_team
from portal.state.notes import note_of
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

# apply(data, form): validates into form.errors; saves and returns the audit lines
# [(action, detail), ...] when there are none, else returns None.
Apply = Callable[[dict, Submitted], list[tuple[str, str]] | None]


def _change(
    request: Request,
    user: User,
    con: sqlite3.Connection,
    team: str,
    household_id: str,
    form: Submitted,
    apply: Apply,
) -> Response:
    """Check the household, apply one registration, audit it, and go back to the household page."""
    team = require_team(user, team)  # the URL's safe id -> the team code
    data = household_data(request, con, team, household_id)
    lines = apply(data, form)
    if lines is None or form.errors:
        return household_page(request, user, con, team, household_id, form=form, status_code=400)
    for action, detail in lines:
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
    page = f"/teams/{safe_id(team)}/huishoudens/{household_id}"
    return RedirectResponse(f"{page}?opgeslagen={form.name.split('-')[0]}#registreren", status_code=303)


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
    opvolgen_op: Annotated[str, Form()] = "",
    notitie: Annotated[str, Form()] = "",
):
    vocab = ddas_vocabulary()
    typed = {"datum": datum, "soort": soort, "bereikt": bereikt, "dagdeel": dagdeel}
    form = Submitted("contactpoging", {**typed, "opvolgen_op": opvolgen_op, "notitie": notitie})

    def apply(data, form):
        day = form.date("datum", event_dates(data["entry"].get("first_signal_date")), "datum van het contact")
        form.choice("soort", tuple(vocab["EnumContactsoort"]), "soort contact")
        form.choice("bereikt", ("ja", "nee"), "waarde bij 'bereikt'")
        form.choice("dagdeel", tuple(vocab["EnumDagdeel"]), "dagdeel", required=False)
        follow_up = (
            form.date("opvolgen_op", follow_up_dates(), "datum om op te volgen") if opvolgen_op else None
        )
        note = form.note("notitie")
        if form.errors or day is None:
            return None
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
            follow_up_date=follow_up,
            note=note,
        )
        detail = f"{day.isoformat()} {soort} bereikt={bereikt} {dagdeel}".strip()
        if follow_up:
            detail += f", opvolgen op {follow_up.isoformat()}"
        lines = [("contactpoging_geregistreerd", detail)]
        if note:  # that there is a note and how long, never its text
            lines.append(
                ("notitie_vastgelegd", f"bij de contactpoging van {day.isoformat()}, {len(note)} tekens")
            )
        return lines

    return _change(request, user, con, team, household_id, form, apply)


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
    form = Submitted("resultaat", {"datum": datum, "eindresultaat": eindresultaat})

    def apply(data, form):
        day = form.date(
            "datum", event_dates(data["entry"].get("first_signal_date")), "datum van het resultaat"
        )
        form.choice("eindresultaat", tuple(ddas_vocabulary()["EnumEindresultaat"]), "eindresultaat")
        if form.errors or day is None:
            return None
        state.add_case_result(
            con,
            wijkteam=team,
            household_id=household_id,
            address_key=data["entry"]["address_key"],
            result_date=day,
            eindresultaat=eindresultaat,
            registered_by=user.username,
        )
        return [("resultaat_geregistreerd", f"{day.isoformat()} {eindresultaat}")]

    return _change(request, user, con, team, household_id, form, apply)


@router.post("/teams/{team}/huishoudens/{household_id}/toewijzing")
def assign(
    request: Request,
    team: str,
    household_id: str,
    user: CheckedUser,
    con: StateDB,
    medewerker: Annotated[str, Form()] = "",
):
    form = Submitted("toewijzing", {"medewerker": medewerker})

    def apply(data, form):
        worker = form.text("medewerker", "de naam van de medewerker", 1, 80)
        if form.errors:
            return None
        made = state.add_assignment(
            con, wijkteam=team, household_id=household_id, worker=worker, by=user.username
        )
        # the worker's name stays in the registration: an audit line holds no names
        return [("toegewezen", f"toewijzing {made}")]

    return _change(request, user, con, team, household_id, form, apply)


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
    form = Submitted("baan", {"baan": baan, "reden": reden})

    def apply(data, form):
        form.choice("baan", lanes.codes, "baan")
        reason = form.text("reden", "een reden voor de andere baan", 10, 500)
        current = data["entry"]["lane"]  # where the list shows it now, an earlier override included
        if baan == current:
            form.refuse("baan", f"Dit huishouden staat al in de baan {lanes.label(baan)}.")
        if form.errors:
            return None
        state.add_lane_override(
            con,
            wijkteam=team,
            household_id=household_id,
            as_of=data["as_of"],
            lane=baan,
            reason=reason,
            by=user.username,
        )
        return [("baan_aangepast", f"{lanes.label(current)} → {lanes.label(baan)}")]

    return _change(request, user, con, team, household_id, form, apply)


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
    known = soort in WITHDRAWABLE and registratie.isdigit() and len(registratie) <= 18
    # one withdrawal form per registration: the name says which, so the error stands next to it
    name = f"intrekken-{soort}-{registratie}" if known else "intrekken"
    form = Submitted(name, {"soort": soort, "registratie": registratie, "reden": reden})

    def apply(data, form):
        if not known:
            form.refuse("registratie", "Deze registratie bestaat niet bij dit huishouden.")
            return None
        reason = form.text("reden", "een reden voor het intrekken", 10, 500)
        if form.errors:
            return None
        kind = WITHDRAWABLE[soort]
        has_note = kind == "contact_attempt" and note_of(con, int(registratie)) is not None
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
        except KeyError:
            added = None
        if not added:
            form.name = "intrekken"  # the page has no withdrawal form for it: said above the history
            form.refuse(
                "registratie",
                "Deze registratie was al ingetrokken."
                if added is False
                else "Deze registratie bestaat niet bij dit huishouden.",
            )
            return None
        lines = [("registratie_ingetrokken", f"{soort} {registratie}: {reason}")]
        if has_note:
            lines.append(
                (
                    "notitie_ingetrokken",
                    f"bij contactpoging {registratie}; verwijderd bij de volgende opschoning",
                )
            )
        return lines

    return _change(request, user, con, team, household_id, form, apply)
