"""The evaluator's page: the indicator report of a year (tables and charts), aggregates only.

The figures are the ones the nightly run stored in agg_indicator (indicators/), shown through the
same suppression and report code as `vroeg indicators` — the portal counts nothing itself. The
nightly also draws each year's report (its charts take seconds at country scale) and stores it
(rpt_indicator_report); the page shows that, kept per (warehouse version, year) until the nightly
run swaps in a new warehouse (portal/cache.py).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from markupsafe import Markup

from portal import reads, state
from portal.cache import VersionCache, reading
from portal.pages import render
from portal.security import CurrentUser, StateDB, client_ip, require_role
from rules.lanes import default_lanes
from warehouse.workspace import Workspace

router = APIRouter()

_reports = VersionCache()


def _report_body(
    ws: Workspace, year: int | None
) -> tuple[int | None, list[int], str, list[dict], date | None]:
    """(year shown, years stored, report body HTML, list sizes, as-of of the figures)."""
    from indicators.config import indicator_config
    from indicators.report import latest_as_of, render_body, stored_body, stored_years

    if not ws.warehouse.exists():
        return None, [], "", [], None

    def read() -> tuple:
        with reading(ws.warehouse) as wh:
            years = stored_years(wh)
            shown = year if year in years else (years[0] if years else None)
            # as the nightly drew it; drawn here only for a warehouse from before it did
            body = ""
            if shown is not None:
                body = stored_body(wh, shown) or render_body(wh, shown, indicator_config())
            return shown, years, body, reads.list_sizes(wh), latest_as_of(wh)

    return _reports.get(ws.warehouse, ("evaluatie", year), read)


@router.get("/evaluatie")
def figures(
    request: Request,
    user: CurrentUser,
    con: StateDB,
    jaar: int | None = Query(default=None),
):
    require_role(user, "evaluator")
    from evaluation.report import evaluator_view

    ws = request.app.state.workspace
    shown, years, body, sizes, as_of = _report_body(ws, jaar)
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
        lanes=default_lanes(),
        backtest=evaluator_view(ws.models, reads.SUPPRESS_BELOW),
    )
