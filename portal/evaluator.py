"""The evaluator's page: aggregates only, counts below 5 suppressed, no household or address."""

from __future__ import annotations

from fastapi import APIRouter, Request

from portal import reads, state
from portal.security import (
    CurrentUser,
    StateDB,
    client_ip,
    require_role,
)
from warehouse.store import read_only
from warehouse.workspace import Workspace

router = APIRouter()


@router.get("/evaluatie")
def figures(request: Request, user: CurrentUser, con: StateDB):
    from portal.app import render

    require_role(user, "evaluator")
    ws: Workspace = request.app.state.workspace
    data = {"signals": [], "list_sizes": [], "evictions": []}
    if ws.warehouse.exists():
        with read_only(ws.warehouse) as wh:
            data = {
                "signals": reads.signals_per_month(wh),
                "list_sizes": reads.list_sizes(wh),
                "evictions": reads.executed_evictions(wh),
            }
    state.audit(con, "cijfers_bekeken", username=user.username, role=user.role, ip=client_ip(request))
    return render(request, "evaluator.html", user, suppress_below=reads.SUPPRESS_BELOW, **data)
