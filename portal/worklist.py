"""The coordinator's worklist: the team's list as it stands now, to search, filter, sort and page.

Each row is the night's list entry (fct_list_entry) with the team's lane overrides applied
(lists/placement.py) and the household's status as the team registered it (lists/status.py: worker,
last contact attempt, result, open or closed, follow-up date) — the same placement and status the
XLSX export carries. "Nieuw" and "veranderd" are the night's (rules/lanes.yaml `changes`), compared
with the list whose date the page shows.

Filtering, sorting and paging are plain Python over one team's rows (hundreds to a few thousand):
the result per combination of filters is cached per warehouse version and registrations stamp
(portal/cache.py), so a page costs a lookup. Bulk assignment registers one assignment per chosen
household, each audited like an assignment on the household page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

import polars as pl
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from lists.placement import night_capacity
from lists.status import STATUSES, imported_registrations, registrations_stamp, team_status
from portal import state
from portal.cache import VersionCache, reading
from portal.coordinator import audit, night_list, placed_list
from portal.dutch import risk
from portal.pages import render
from portal.security import CheckedUser, CurrentUser, StateDB, require_team
from rules.lanes import default_lanes
from rules.risk_statement import horizon_months, risk_applies, stage_words
from rules.scorecard import load_spec
from signals.registry import safe_id, teams

router = APIRouter()

_cache = VersionCache()

PAGE_SIZE = 50

# Sort orders a coordinator can choose (value in the URL → words on the page).
SORTS = {
    "lijst": "volgorde van de lijst",
    "adres": "adres",
    "postcode": "postcode",
    "kans": "geschatte kans, hoogste eerst",
    "contact": "laatste contactpoging, oudste eerst",
    "opvolgen": "opvolgen op, eerste eerst",
    "medewerker": "medewerker",
    "status": "status",
}
CHANGES = {"nieuw": "alleen nieuw", "veranderd": "alleen veranderd", "beide": "nieuw of veranderd"}
NOBODY = "niemand"  # the worker filter's value for households nobody is assigned to


@dataclass(frozen=True)
class Filters:
    """What the coordinator asked for, checked: unknown values are dropped, never echoed."""

    zoek: str = ""
    baan: str = ""
    status: str = ""
    medewerker: str = ""
    mijn: str = ""
    wijziging: str = ""
    capaciteit: str = ""
    sorteer: str = "lijst"
    pagina: int = 1

    @classmethod
    def checked(cls, **raw: str) -> Filters:
        page = raw.get("pagina", "1")
        return cls(
            zoek=" ".join(raw.get("zoek", "").split())[:80],
            baan=raw.get("baan", "") if raw.get("baan", "") in default_lanes().codes else "",
            status=raw.get("status", "") if raw.get("status", "") in STATUSES else "",
            medewerker=" ".join(raw.get("medewerker", "").split())[:80],
            mijn="ja" if raw.get("mijn") == "ja" else "",
            wijziging=raw.get("wijziging", "") if raw.get("wijziging", "") in CHANGES else "",
            capaciteit="ja" if raw.get("capaciteit") == "ja" else "",
            sorteer=raw.get("sorteer", "") if raw.get("sorteer", "") in SORTS else "lijst",
            pagina=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
        )

    def query(self, **changes) -> str:
        """The URL query of these filters (defaults left out), with `changes` applied."""
        values = asdict(replace(self, **changes))
        defaults = asdict(Filters())
        return urlencode({k: v for k, v in values.items() if v != defaults[k]})


def _squashed(text: str | None) -> str:
    return "".join((text or "").lower().split())


def _matches(row: dict, f: Filters, username: str) -> bool:
    worker = _squashed(row.get("worker"))
    if f.zoek:
        needle = _squashed(f.zoek)
        haystack = _squashed(f"{row['street_address']}{row['postcode']}{row['woonplaats']}")
        if needle not in haystack and needle not in _squashed(row["postcode"]):
            return False
    if f.baan and row["lane"] != f.baan:
        return False
    if f.status and row["status"] != f.status:
        return False
    if f.medewerker == NOBODY and worker:
        return False
    if f.medewerker and f.medewerker != NOBODY and worker != _squashed(f.medewerker):
        return False
    if f.mijn and worker != _squashed(username):
        return False
    if f.wijziging == "nieuw" and not row["is_new"]:
        return False
    if f.wijziging == "veranderd" and not row["is_changed"]:
        return False
    if f.wijziging == "beide" and not (row["is_new"] or row["is_changed"]):
        return False
    return not (f.capaciteit and not row["is_within_capacity"])


def _sort_key(sort: str):
    """A total order for each choice; ties keep the list's order (rank)."""
    late = date.max
    keys = {
        "adres": lambda r: (r["street_address"] or "", r["rank"]),
        "postcode": lambda r: (r["postcode"] or "", r["street_address"] or "", r["rank"]),
        "kans": lambda r: (-(r["risk"] if r["risk"] is not None else -1.0), r["rank"]),
        "contact": lambda r: (r["contact_date"] is not None, r["contact_date"] or late, r["rank"]),
        "opvolgen": lambda r: (r["follow_up_date"] is None, r["follow_up_date"] or late, r["rank"]),
        "medewerker": lambda r: (r["worker"] is None, _squashed(r["worker"]), r["rank"]),
        "status": lambda r: (STATUSES.index(r["status"]), r["rank"]),
    }
    return keys.get(sort, lambda r: r["rank"])


def _imported(request: Request, team: str) -> dict[str, pl.DataFrame]:
    """The registrations of the previous system for this team, read once per warehouse version."""
    ws = request.app.state.workspace

    def read() -> dict[str, pl.DataFrame]:
        with reading(ws.warehouse) as wh:
            return imported_registrations(wh, ["import"], team)

    return _cache.get(ws.warehouse, ("imported", team), read)


def worklist_rows(request: Request, con, team: str, as_of: date, entries: list[dict]) -> list[dict]:
    """The team's rows as placed now, each with its status (lists/status.py), in list order."""
    placed = placed_list(entries, state.team_marks(con, team, as_of), team)
    keys = pl.DataFrame(
        {
            "wijkteam": [team] * len(entries),
            "household_id": [e["household_id"] for e in entries],
            "address_key": [e["address_key"] for e in entries],
            "first_signal_date": [e["first_signal_date"] for e in entries],
        },
        schema={
            "wijkteam": pl.String,
            "household_id": pl.String,
            "address_key": pl.String,
            "first_signal_date": pl.Date,
        },
    )
    status = {
        s["household_id"]: s for s in team_status(con, _imported(request, team), keys, as_of).to_dicts()
    }
    return [
        {**row, **status[row["household_id"]], "worker": row["worker"], "risk_text": _risk_text(row)}
        for row in placed
    ]


def _risk_text(row: dict) -> str:
    """The risk as the list shows it; the stage once the procedure reached what the risk is about."""
    if risk_applies(row.get("eviction_stage")):
        return risk(row["risk"])
    return f"al in de fase {stage_words(row['eviction_stage'])}"


def _page(
    request: Request, con, team: str, as_of: date, entries: list[dict], f: Filters, username: str
) -> dict:
    lanes = default_lanes()
    rows = worklist_rows(request, con, team, as_of, entries)
    shown = [r for r in rows if _matches(r, f, username)]
    if f.sorteer != "lijst":
        shown.sort(key=_sort_key(f.sorteer))
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    number = min(f.pagina, pages)
    first = (number - 1) * PAGE_SIZE
    on_page = shown[first : first + PAGE_SIZE]
    capacities = {
        lane.code: night_capacity(entries, lane.code, teams().capacity(team))
        for lane in lanes.lanes
        if lane.capacity_line
    }
    if f.sorteer == "lijst":
        sections = [
            {
                "lane": lane,
                "rows": [r for r in on_page if r["lane"] == lane.code],
                "in_lane": sum(1 for r in shown if r["lane"] == lane.code),
                "capacity": capacities.get(lane.code),
            }
            for lane in lanes.lanes
            if not f.baan or lane.code == f.baan
        ]
        # an empty lane is shown (and says so) on the first page; otherwise the lanes on this page
        sections = [s for s in sections if s["rows"] or (s["in_lane"] == 0 and number == 1)]
    else:
        sections = [{"lane": None, "rows": on_page, "in_lane": len(shown), "capacity": None}]
    template = request.app.state.templates.get_template("team_list_lanes.html")
    spec = load_spec()
    about = f"{stage_words(spec.label_stages[0])} binnen {horizon_months(spec)} maanden"
    html = template.render(
        team=team,
        sections=sections,
        wgs=lanes.wgs_followup,
        sort=f.sorteer,
        sort_label=SORTS[f.sorteer],
        risk_header=f"Geschatte kans op {about}",
    )
    workers = sorted({r["worker"] for r in rows if r["worker"]}, key=str.lower)
    return {
        "sections": Markup(html),
        "shown": len(on_page),
        "matching": len(shown),
        "first": first + 1,
        "last": first + len(on_page),
        "page": number,
        "pages": pages,
        "total": len(rows),
        "per_lane": {lane.code: sum(1 for r in rows if r["lane"] == lane.code) for lane in lanes.lanes},
        "new": sum(1 for r in rows if r["is_new"]),
        "changed": sum(1 for r in rows if r["is_changed"]),
        "compared_with": next((r["compared_with"] for r in rows if r.get("compared_with")), None),
        "wgs_open": sum(r["wgs_open"] or 0 for r in rows),
        "wgs_households": sum(1 for r in rows if r["wgs_open"]),
        "workers": workers,
    }


@router.get("/teams/{team}/lijst")
def team_list(
    request: Request,
    team: str,
    user: CurrentUser,
    con: StateDB,
    zoek: str = "",
    baan: str = "",
    status: str = "",
    medewerker: str = "",
    mijn: str = "",
    wijziging: str = "",
    capaciteit: str = "",
    sorteer: str = "",
    pagina: str = "1",
    toegewezen: str = "",
):
    team = require_team(user, team)  # the URL's safe id -> the team code
    ws = request.app.state.workspace
    as_of, run_id, entries = night_list(ws, team)
    f = Filters.checked(
        zoek=zoek,
        baan=baan,
        status=status,
        medewerker=medewerker,
        mijn=mijn,
        wijziging=wijziging,
        capaciteit=capaciteit,
        sorteer=sorteer,
        pagina=pagina,
    )
    # the page depends on the list (warehouse version), the filters and what the team registered
    key = ("page", team, f, PAGE_SIZE, registrations_stamp(con), user.username if f.mijn else "")
    page = _cache.get(ws.warehouse, key, lambda: _page(request, con, team, as_of, entries, f, user.username))
    audit(
        con,
        request,
        user,
        "lijst_bekeken",
        as_of_date=as_of,
        run_id=run_id,
        detail=f"{page['shown']} van {len(entries)} regels getoond",
    )
    return render(
        request,
        "team_list.html",
        user,
        team=team,
        team_name=_team_name(team),
        as_of=as_of,
        lanes=default_lanes(),
        filters=f,
        sorts=SORTS,
        changes=CHANGES,
        statuses=STATUSES,
        nobody=NOBODY,
        assigned=int(toegewezen) if toegewezen.isdigit() else 0,
        **page,
    )


def _team_name(team: str) -> str:
    return next((t.name for t in teams().teams if t.code == team), team)


@router.post("/teams/{team}/toewijzen")
def assign_many(
    request: Request,
    team: str,
    user: CheckedUser,
    con: StateDB,
    huishouden: Annotated[list[str] | None, Form()] = None,
    medewerker: Annotated[str, Form()] = "",
    terug: Annotated[str, Form()] = "",
):
    """Assign the chosen households of the list to one worker; back to the list as it was."""
    team = require_team(user, team)  # the URL's safe id -> the team code
    ws = request.app.state.workspace
    as_of, run_id, entries = night_list(ws, team)
    on_list = {e["household_id"] for e in entries}
    chosen = list(dict.fromkeys(huishouden or []))
    worker = " ".join(medewerker.split())
    if not chosen:
        raise HTTPException(422, "Kies eerst een of meer huishoudens in de lijst.")
    if not 1 <= len(worker) <= 80:
        raise HTTPException(422, "Vul de naam van de medewerker in (hoogstens 80 tekens).")
    if not set(chosen) <= on_list:
        raise HTTPException(404, "Een gekozen huishouden staat niet op de lijst van uw team.")
    for household_id in chosen:
        made = state.add_assignment(
            con, wijkteam=team, household_id=household_id, worker=worker, by=user.username
        )
        audit(
            con,
            request,
            user,
            "toegewezen",
            household_id=household_id,
            as_of_date=as_of,
            run_id=run_id,
            detail=f"toewijzing {made} (meerdere tegelijk)",  # the name stays in the registration
        )
    back = Filters.checked(**dict(_query_pairs(terug))).query()
    query = f"{back}&toegewezen={len(chosen)}" if back else f"toegewezen={len(chosen)}"
    return RedirectResponse(f"/teams/{safe_id(team)}/lijst?{query}", status_code=303)


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query[:2000]) if k in Filters.__dataclass_fields__]
