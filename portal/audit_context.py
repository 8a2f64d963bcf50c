"""What every audit line of a web request shares: the route it came in on, and from where.

`AuditContext` is an ASGI middleware: while a request is answered, `state.audit` fills a missing
`object` with the route's template (`/teams/{team}/huishoudens/{household_id}`: never the raw URL)
and a missing `ip` with the client's address. `audit_refusal` writes the line of a refused request
(401, 403, 404, 405, 409, 413, 422): who (the session's user, or "anoniem"), the action, the route,
the household of the URL (a pseudonymous id), the other URL parts that name no person (team,
supplier, feed) and the status.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.routing import Match

from portal import state

log = logging.getLogger("portal")

Scope = MutableMapping[str, Any]
ASGIApp = Callable[..., Awaitable[None]]

UNKNOWN_ROUTE = "(onbekende pagina)"
# The audit action of a refusal, by status, when the refusing code names none.
REFUSALS = {
    401: "niet_ingelogd",
    403: "toegang_geweigerd",
    404: "niet_gevonden",
    405: "methode_geweigerd",
    409: "verzoek_geweigerd",
    413: "te_groot_geweigerd",
    422: "verzoek_geweigerd",
}
# URL parts kept in a refusal's detail: they name a team, supplier, feed or format, never a person.
NAMED_PARTS = ("team", "supplier", "feed", "fmt")
_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def _routes(routes) -> Iterator:
    """Every route, into included routers (FastAPI keeps those as `original_router`; the portal's
    routers have no prefix)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def route_template(scope: Scope) -> str:
    """The path template of the request's route; matched now if routing has not run (413, 401)."""
    route = scope.get("route")
    if route is None and "app" in scope:
        for candidate in _routes(getattr(scope["app"], "routes", ())):
            match, _ = candidate.matches(scope)
            if match != Match.NONE:
                route = candidate
                break
    return getattr(route, "path", None) or UNKNOWN_ROUTE


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


class AuditContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = state.request_defaults.set(lambda: {"object": route_template(scope), "ip": _client(scope)})
        try:
            await self.app(scope, receive, send)
        finally:
            state.request_defaults.reset(token)


def _path_parts(scope: Scope) -> tuple[str | None, str]:
    """(household id of the URL, 'team=…, supplier=…') — parts that are not a safe id are left out."""
    params = scope.get("path_params") or {}
    household = params.get("household_id")
    parts = [
        f"{k}={params[k]}" for k in NAMED_PARTS if isinstance(params.get(k), str) and _SAFE.match(params[k])
    ]
    safe_household = household if isinstance(household, str) and _SAFE.match(household) else None
    return safe_household, ", ".join(parts)


def audit_refusal(
    request: Request, status: int, action: str | None = None, detail: str | None = None
) -> None:
    """One audit line for a refused request. Never raises: the refusal must still be answered (a
    failure to write it is logged)."""
    from portal.security import SESSION_COOKIE, live_session

    try:
        con = state.open_state(request.app.state.state_path)
    except Exception:
        log.error("audit of a refused request (%s) failed: portal.sqlite cannot be opened", status)
        return
    try:
        actor = getattr(request.state, "actor", None)
        if actor is None:
            user = live_session(con, request.cookies.get(SESSION_COOKIE))
            actor = (user.username, user.role) if user else (state.ANONYMOUS, None)
        household, parts = _path_parts(request.scope)
        state.audit(
            con,
            action or REFUSALS.get(status, "verzoek_geweigerd"),
            username=actor[0],
            role=actor[1],
            household_id=household,
            detail="; ".join(p for p in (f"status {status}", parts, detail) if p),
            ip=_client(request.scope),
            result=state.REFUSED,
            object=route_template(request.scope),
        )
    except Exception as error:
        log.error("audit of a refused request (%s) failed: %s", status, type(error).__name__)
    finally:
        con.close()
