"""Rendering a page: the Jinja2 environment (templates next to this file, autoescaping on, the Dutch
filters of portal/dutch.py) and `render`, which every router and the app itself call.

Its own module so that the routers need not import portal.app, which imports them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from portal import dutch
from portal.security import User
from signals.registry import safe_id

TEMPLATES = Path(__file__).parent / "templates"


def templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.filters["nl_date"] = dutch.nl_date
    env.filters["safe_id"] = safe_id  # a code in a URL path (signals/registry.py)
    env.filters["eur"] = dutch.eur
    env.filters["yes_no"] = lambda v: "ja" if v else "nee"
    env.filters["risk"] = dutch.risk
    env.filters["number"] = dutch.number
    env.filters["lane"] = dutch.lane_label
    env.filters["feed"] = dutch.feed_words
    env.filters["supplier"] = dutch.supplier_name
    env.filters["words"] = dutch.words
    env.filters["points"] = dutch.points
    env.filters["wgs_waiting"] = dutch.wgs_waiting
    env.filters["role"] = dutch.role_label
    env.filters["audit_action"] = dutch.audit_action
    env.filters["route_words"] = dutch.route_words
    env.filters["run_words"] = dutch.run_words
    env.filters["postcode"] = dutch.postcode
    return Jinja2Templates(env=env)


def render(request: Request, name: str, user: User | None, status_code: int = 200, **context) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request, name, {"user": user, **context}, status_code=status_code
    )
