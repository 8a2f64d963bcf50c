"""Coordinator pages: the team's list, one household, registrations, the XLSX export.

A coordinator sees only their own team (403 for another team) and only households on the team's
latest list (404 otherwise). Every page that shows personal data and every change is audited with
the list's as-of date and run.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from portal import reads, state
from portal.cache import VersionCache
from portal.security import (
    CheckedUser,
    CurrentUser,
    StateDB,
    User,
    client_ip,
    require_team,
)
from signals.registrations import ddas_vocabulary
from signals.registry import teams
from warehouse.store import read_only
from warehouse.workspace import Workspace

router = APIRouter()
TIERS = ("crisis", "hoog", "normaal")


def _ws(request: Request) -> Workspace:
    return request.app.state.workspace


def _audit(con: sqlite3.Connection, request: Request, user: User, action: str, **fields) -> None:
    state.audit(
        con,
        action,
        username=user.username,
        role=user.role,
        team_code=user.team_code,
        ip=client_ip(request),
        **fields,
    )


def _no_list() -> HTTPException:
    return HTTPException(404, "Er is nog geen lijst: de nachtelijke verwerking heeft nog niet gedraaid.")


@router.get("/teams/{team}/lijst")
def team_list(
    request: Request,
    team: str,
    user: CurrentUser,
    con: StateDB,
    prioriteit: str = "",
    nieuw: str = "",
    capaciteit: str = "",
):
    from portal.app import render

    require_team(user, team)
    ws = _ws(request)
    if not ws.warehouse.exists():
        raise _no_list()
    as_of, run_id, entries = _lists.get(ws.warehouse, ("list", team), lambda: _read_list(ws, team))
    if as_of is None:
        raise _no_list()
    marks = state.team_marks(con, team, as_of)
    filters = {"prioriteit": prioriteit, "nieuw": nieuw, "capaciteit": capaciteit}
    shown = [
        e
        for e in entries
        if (prioriteit not in TIERS or e["tier"] == prioriteit)
        and (nieuw != "ja" or e["is_new"])
        and (capaciteit != "ja" or e["is_within_capacity"])
    ]
    # the rows depend on the list, the filters and the team's marks only: rendered once per combination
    key = ("rows", team, tuple(filters.values()), repr(sorted(marks.items())))
    rows = _lists.get(ws.warehouse, key, lambda: _render_rows(request, team, shown, marks))
    _audit(
        con,
        request,
        user,
        "lijst_bekeken",
        as_of_date=as_of,
        run_id=run_id,
        detail=f"{len(shown)} van {len(entries)} regels getoond",
    )
    return render(
        request,
        "team_list.html",
        user,
        team=team,
        team_name=_team_name(team),
        capacity=teams().capacity(team),
        as_of=as_of,
        rows=rows,
        total=len(entries),
        filters=filters,
        tiers=TIERS,
    )


_lists = VersionCache()


def _read_list(ws: Workspace, team: str) -> tuple[date | None, str | None, list[dict]]:
    with read_only(ws.warehouse) as wh:
        as_of = reads.latest_as_of(wh)
        if as_of is None:
            return None, None, []
        return as_of, reads.run_of(wh, as_of), reads.team_list(wh, team, as_of)


def _render_rows(request: Request, team: str, shown: list[dict], marks: dict[str, dict]) -> Markup:
    """The list's table rows (escaped by the template), with the team's marks."""
    entries = [{**e, **marks.get(e["household_id"], {})} for e in shown]
    template = request.app.state.templates.get_template("team_list_rows.html")
    return Markup(template.render(team=team, entries=entries))


def _team_name(team: str) -> str:
    return next((t.name for t in teams().teams if t.code == team), team)


@router.get("/teams/{team}/lijst.xlsx")
def team_list_xlsx(request: Request, team: str, user: CurrentUser, con: StateDB):
    from lists.export import write_team_xlsx

    require_team(user, team)
    ws = _ws(request)
    if not ws.warehouse.exists():
        raise _no_list()
    with tempfile.TemporaryDirectory(prefix="vroeg-export-") as tmp, read_only(ws.warehouse) as wh:
        as_of = reads.latest_as_of(wh)
        if as_of is None:
            raise _no_list()
        run_id = reads.run_of(wh, as_of)
        versions = {"rules_version": "", "code_version": "", "teams_version": teams().version}
        row = wh.execute(
            "select max(rules_version), max(code_version) from fct_list_entry where as_of_date = ?", [as_of]
        ).fetchall()[0]
        versions["rules_version"], versions["code_version"] = row[0] or "", row[1] or ""
        path = Path(tmp) / "lijst.xlsx"
        rows = write_team_xlsx(wh, as_of, team, path, versions)
        data = path.read_bytes()
    _audit(
        con,
        request,
        user,
        "lijst_geexporteerd",
        as_of_date=as_of,
        run_id=run_id,
        detail=f"XLSX, {rows} regels",
    )
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="vroegsignalering_{team}_{as_of.isoformat()}.xlsx"'
        },
    )


def _household(ws: Workspace, team: str, household_id: str) -> dict:
    """Everything the household page shows from the warehouse; 404 if not on the team's list."""
    if not ws.warehouse.exists():
        raise _no_list()
    return _lists.get(
        ws.warehouse, ("household", team, household_id), lambda: _read_household(ws, team, household_id)
    )


def _read_household(ws: Workspace, team: str, household_id: str) -> dict:
    with read_only(ws.warehouse) as wh:
        as_of = reads.latest_as_of(wh)
        entry = reads.list_entry(wh, team, as_of, household_id) if as_of else None
        if entry is None:
            raise HTTPException(404, "Dit huishouden staat niet op de lijst van uw team.")
        return {
            "as_of": as_of,
            "entry": entry,
            "timeline": reads.signal_timeline(wh, entry["address_key"], as_of),
            "names": reads.contact_names(wh, entry["address_key"], as_of),
            "rule_hits": reads.rule_hits(wh, household_id, as_of),
            "scorecard": reads.scorecard(wh, household_id, as_of),
            "imported": reads.imported_registrations(wh, team, entry["address_key"]),
        }


def _household_page(
    request: Request,
    user: User,
    con: sqlite3.Connection,
    team: str,
    household_id: str,
    error: str | None = None,
    status_code: int = 200,
):
    from portal.app import render

    data = _household(_ws(request), team, household_id)
    _audit(
        con,
        request,
        user,
        "huishouden_bekeken",
        household_id=household_id,
        as_of_date=data["as_of"],
        run_id=data["entry"]["run_id"],
    )
    return render(
        request,
        "household.html",
        user,
        status_code=status_code,
        team=team,
        household_id=household_id,
        registered=state.household_registrations(con, team, household_id),
        vocab=ddas_vocabulary(),
        tiers=TIERS,
        today=date.today(),
        error=error,
        **data,
    )


@router.get("/teams/{team}/huishoudens/{household_id}")
def household(
    request: Request,
    team: str,
    household_id: str,
    user: CurrentUser,
    con: StateDB,
):
    require_team(user, team)
    return _household_page(request, user, con, team, household_id)


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


def _change(
    request: Request, user: User, con: sqlite3.Connection, team: str, household_id: str, apply
) -> Response:
    """Check the household, apply one registration, audit it, and go back to the household page."""
    require_team(user, team)
    data = _household(_ws(request), team, household_id)
    try:
        action, detail = apply(data)
    except _Invalid as invalid:
        return _household_page(request, user, con, team, household_id, error=str(invalid), status_code=400)
    _audit(
        con,
        request,
        user,
        action,
        household_id=household_id,
        as_of_date=data["as_of"],
        run_id=data["entry"]["run_id"],
        detail=detail,
    )
    return RedirectResponse(f"/teams/{team}/huishoudens/{household_id}", status_code=303)


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


@router.post("/teams/{team}/huishoudens/{household_id}/prioriteit")
def override_tier(
    request: Request,
    team: str,
    household_id: str,
    user: CheckedUser,
    con: StateDB,
    prioriteit: Annotated[str, Form()] = "",
    reden: Annotated[str, Form()] = "",
):
    def apply(data):
        _one_of(prioriteit, TIERS, "prioriteit")
        reason = " ".join(reden.split())
        if len(reason) < 10 or len(reason) > 500:
            raise _Invalid("Geef een reden voor de aangepaste prioriteit (10 tot 500 tekens).")
        state.add_tier_override(
            con,
            wijkteam=team,
            household_id=household_id,
            as_of=data["as_of"],
            tier=prioriteit,
            reason=reason,
            by=user.username,
        )
        return "prioriteit_aangepast", f"{data['entry']['tier']} → {prioriteit}"

    return _change(request, user, con, team, household_id, apply)


# What a coordinator calls each kind of registration, and the table it is kept in.
WITHDRAWABLE = {
    "contactpoging": "contact_attempt",
    "resultaat": "case_result",
    "toewijzing": "assignment",
    "prioriteit": "tier_override",
}


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
        kind = WITHDRAWABLE.get(_one_of(soort, tuple(WITHDRAWABLE), "soort registratie"))
        reason = " ".join(reden.split())
        if len(reason) < 10 or len(reason) > 500:
            raise _Invalid("Geef een reden voor het intrekken (10 tot 500 tekens).")
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
