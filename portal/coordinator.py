"""Coordinator pages: one household and the XLSX export; the list itself is portal/worklist.py.

A coordinator sees only their own team (403 for another team) and only households on the team's
latest list (404 otherwise). Every page that shows personal data is audited with the list's as-of
date and run. The forms of the household page are in portal/household_forms.py.

The list is the night's list (fct_list_entry) with the team's lane overrides applied
(lists/placement.py); lanes, their labels and order come from rules/lanes.py.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from lists.placement import place
from lists.status import registrations_stamp
from portal import reads, state
from portal.cache import VersionCache, reading
from portal.dutch import address_line, scorecard_name, total_points
from portal.form_checks import SAVED, Form, event_dates, follow_up_dates, forms_config
from portal.pages import render
from portal.security import CurrentUser, StateDB, User, client_ip, require_team
from rules.lanes import default_lanes
from rules.risk_statement import risk_statement
from signals.registrations import ddas_vocabulary
from signals.registry import safe_id, teams
from warehouse.workspace import Workspace

router = APIRouter()

# What the portal read or rendered from one version of the warehouse (portal/cache.py).
_lists = VersionCache()


def _ws(request: Request) -> Workspace:
    return request.app.state.workspace


def audit(con: sqlite3.Connection, request: Request, user: User, action: str, **fields) -> None:
    """One audit line for a coordinator's view or change, with who, team and IP."""
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


def _read_list(ws: Workspace, team: str) -> tuple[date | None, str | None, list[dict]]:
    with reading(ws.warehouse) as wh:
        as_of = reads.latest_as_of(wh)
        if as_of is None:
            return None, None, []
        return as_of, reads.run_of(wh, as_of), reads.team_list(wh, team, as_of)


def night_list(ws: Workspace, team: str) -> tuple[date, str | None, list[dict]]:
    """(as-of date, run, rows) of the team's latest list as the night made it; 404 without one."""
    if not ws.warehouse.exists():
        raise _no_list()
    as_of, run_id, entries = _lists.get(ws.warehouse, ("list", team), lambda: _read_list(ws, team))
    if as_of is None:
        raise _no_list()
    return as_of, run_id, entries


def placed_list(entries: list[dict], marks: dict[str, dict], team: str) -> list[dict]:
    """The night's rows with the team's lane overrides and assigned workers, as the list shows them."""
    overrides = {h: m["override"] for h, m in marks.items() if "override" in m}
    placed = place(entries, overrides, default_lanes(), teams().capacity(team))
    for row in placed:
        row["worker"] = marks.get(row["household_id"], {}).get("worker")
        if row["moved"] and row["lane"] != row["rules_lane"]:
            # the rules' action belonged to the other lane; this lane's first step, if it has one
            row["suggested_action"] = default_lanes().lane(row["lane"]).channel
    return placed


@router.get("/teams/{team}/lijst.xlsx")
def team_list_xlsx(request: Request, team: str, user: CurrentUser, con: StateDB):
    from lists.export import write_team_xlsx

    team = require_team(user, team)  # the URL's safe id -> the team code
    ws = _ws(request)
    if not ws.warehouse.exists():
        raise _no_list()
    with tempfile.TemporaryDirectory(prefix="vroeg-export-") as tmp, reading(ws.warehouse) as wh:
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
        rows = write_team_xlsx(wh, as_of, team, path, versions, state_path=ws.portal_state)
        data = path.read_bytes()
    audit(
        con,
        request,
        user,
        "lijst_geexporteerd",
        as_of_date=as_of,
        run_id=run_id,
        detail=f"XLSX, {rows} regels",
    )
    name = f"vroegsignalering_{safe_id(team)}_{as_of.isoformat()}.xlsx"  # the code may not be a file name
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _scorecard_line(contribution: dict) -> str:
    """A plus contribution as lists/sql/fct_list_entry.sql writes it into reasons_nl."""
    n = contribution["points"]
    return f"{contribution['label']}: {contribution['bin']} (+{n} {'punt' if n == 1 else 'punten'})"


def explain(entry: dict, rule_hits: list[dict], eviction_stage: str | None) -> dict:
    """What the household page says about why the household is listed and what its risk is about.

    `risk`: the risk as a sentence with its subject, or the procedure's stage when the estimate no
    longer applies (rules/risk_statement.py); `scorecard_name`: which scorecard, in words; `total`:
    the points in words (a real minus sign); `facts`:
    the list's reasons that are neither a rule's reason (the page shows those with their rule) nor
    a scorecard line (the page shows those with the points), so that every reason is worded once.
    """
    shown = {h["reason_nl"] for h in rule_hits} | {
        _scorecard_line(c) for c in entry.get("score_points") or [] if c["points"] > 0
    }
    facts = []
    for reason in [*(entry.get("rule_reasons_nl") or []), *(entry.get("reasons_nl") or [])]:
        if reason not in shown and reason not in facts:
            facts.append(reason)
    return {
        "risk": risk_statement(entry.get("risk"), eviction_stage),
        "scorecard_name": scorecard_name(entry.get("model_version")),
        "total": total_points(entry.get("score")),
        "facts": facts,
    }


def _read_team(ws: Workspace, team: str, as_of: date) -> dict:
    """What every household page of the team shows except names and contact details, read at once
    (a household's first view then reads only those, by index)."""
    with reading(ws.warehouse) as wh:
        return {
            "rule_hits": reads.team_rule_hits(wh, team, as_of),
            "scorecards": reads.team_scorecards(wh, team, as_of),
            "wgs": reads.team_wgs_followup(wh, team, as_of),
            "imported": reads.team_imported_registrations(wh, team),
            "signals": reads.team_signals(wh, team, as_of),
        }


def _read_household(ws: Workspace, team: str, household_id: str) -> dict:
    as_of, _, entries = night_list(ws, team)
    entry = next((e for e in entries if e["household_id"] == household_id), None)
    if entry is None:
        raise HTTPException(404, "Dit huishouden staat niet op de lijst van uw team.")
    facts = _lists.get(ws.warehouse, ("team facts", team), lambda: _read_team(ws, team, as_of))
    rule_hits = facts["rule_hits"].get(household_id, [])
    timeline = facts["signals"].get(entry["address_key"], [])
    with reading(ws.warehouse) as wh:  # names only for the household viewed, by index
        names = reads.contact_names(wh, timeline)
    return {
        "as_of": as_of,
        "entry": entry,
        "address": address_line(entry["street_address"], entry["postcode"], entry["woonplaats"]),
        "timeline": timeline,
        "names": names,
        "rule_hits": rule_hits,
        "scorecard": facts["scorecards"].get(household_id),
        "explained": explain(entry, rule_hits, entry["eviction_stage"]),
        "wgs": facts["wgs"].get(household_id, []),
        "imported": facts["imported"].get(entry["address_key"], {"attempts": [], "results": []}),
    }


def household_data(request: Request, con: sqlite3.Connection, team: str, household_id: str) -> dict:
    """Everything the household page shows; `entry` is its row as the list shows it (overrides
    applied), `night_entry` as the night made it. 404 if the household is not on the team's list."""
    ws = _ws(request)
    if not ws.warehouse.exists():
        raise _no_list()
    data = _lists.get(
        ws.warehouse, ("household", team, household_id), lambda: _read_household(ws, team, household_id)
    )
    shown = _placed_by_household(ws, con, team, data["as_of"]).get(household_id)
    return {**data, "night_entry": data["entry"], "entry": {**data["entry"], **(shown or {})}}


def _placed_by_household(ws: Workspace, con: sqlite3.Connection, team: str, as_of: date) -> dict[str, dict]:
    """The team's list as placed now (placed_list), by household: placed again only when the team's
    registrations changed (registrations_stamp) or a new list came. One placement per team and
    version is kept, the latest."""
    stamp = registrations_stamp(con)
    latest = _lists.get(ws.warehouse, ("placed", team), dict)
    placed_at, rows = latest.get("placed", (None, None))
    if rows is None or placed_at != stamp:
        _, _, entries = night_list(ws, team)
        rows = {r["household_id"]: r for r in placed_list(entries, state.team_marks(con, team, as_of), team)}
        latest["placed"] = (stamp, rows)  # one assignment: a reader sees the old pair or the new
    return rows


def household_page(
    request: Request,
    user: User,
    con: sqlite3.Connection,
    team: str,
    household_id: str,
    form: Form | None = None,
    saved: str = "",
    status_code: int = 200,
):
    """The household page; `form` is a refused form (shown again with its values and errors),
    `saved` the name of the form just saved (confirmed near the forms)."""
    data = household_data(request, con, team, household_id)
    audit(
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
        lanes=default_lanes(),
        form=form,
        saved=SAVED.get(saved, ""),
        event_dates=event_dates(data["entry"].get("first_signal_date")),
        follow_up_dates=follow_up_dates(),
        note_max=forms_config().note_max_chars,
        **data,
    )


@router.get("/teams/{team}/huishoudens/{household_id}")
def household(
    request: Request,
    team: str,
    household_id: str,
    user: CurrentUser,
    con: StateDB,
    opgeslagen: str = "",
):
    team = require_team(user, team)  # the URL's safe id -> the team code
    return household_page(request, user, con, team, household_id, saved=opgeslagen)
