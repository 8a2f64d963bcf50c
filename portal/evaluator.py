"""The evaluator's page: the indicator report of a year (tables and charts), aggregates only.

The figures are the ones the nightly run stored in agg_indicator (indicators/), shown through the
same suppression and report code as `vroeg indicators` — the portal counts nothing itself. Charts
take a few seconds to draw, so a rendered report is kept per (warehouse version, year) until the
nightly run swaps in a new warehouse.
"""

from __future__ import annotations

import threading
from datetime import date

from fastapi import APIRouter, Query, Request

from portal import reads, state
from portal.security import CurrentUser, StateDB, client_ip, require_role
from warehouse.store import read_only
from warehouse.workspace import Workspace

router = APIRouter()

_cache: dict[tuple, str] = {}
_cache_lock = threading.Lock()


def _report_body(
    ws: Workspace, year: int | None
) -> tuple[int | None, list[int], str, list[dict], date | None]:
    """(year shown, years stored, report body HTML, list sizes, as-of of the figures)."""
    from indicators.config import indicator_config
    from indicators.report import latest_as_of, render_body, stored_years

    if not ws.warehouse.exists():
        return None, [], "", [], None
    stat = ws.warehouse.stat()
    version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with read_only(ws.warehouse) as wh:
        years = stored_years(wh)
        shown = year if year in years else (years[0] if years else None)
        sizes = reads.list_sizes(wh)
        as_of = latest_as_of(wh)
        key = (str(ws.warehouse), version, shown)
        with _cache_lock:
            body = _cache.get(key)
        if body is None and shown is not None:
            body = render_body(wh, shown, indicator_config())
            with _cache_lock:
                for old in [k for k in _cache if k[0] == key[0] and k[1] != version]:
                    del _cache[old]
                _cache[key] = body
    return shown, years, body or "", sizes, as_of


@router.get("/evaluatie")
def figures(
    request: Request,
    user: CurrentUser,
    con: StateDB,
    jaar: int | None = Query(default=None),
):
    from markupsafe import Markup

    from portal.app import render

    require_role(user, "evaluator")
    shown, years, body, sizes, as_of = _report_body(request.app.state.workspace, jaar)
    state.audit(
        con,
        "cijfers_bekeken",
        username=user.username,
        role=user.role,
        ip=client_ip(request),
        detail=str(shown),
    )
    return render(
        request,
        "evaluator.html",
        user,
        year=shown,
        years=years,
        as_of=as_of,
        report=Markup(body),  # rendered by indicators/report.py with autoescaping on
        list_sizes=sizes,
        suppress_below=reads.SUPPRESS_BELOW,
    )
