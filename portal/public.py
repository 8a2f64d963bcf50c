"""The pages anyone may open without logging in, besides the log-in page: the accessibility statement.

A router of its own, registered by portal/app.py; it imports only the rendering (portal/pages.py) and
who is logged in, if anyone, for the navigation.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from portal.pages import render
from portal.security import page_user

router = APIRouter()

STATEMENT_PAGE = "/toegankelijkheid"


@router.get(STATEMENT_PAGE)
def accessibility_statement(request: Request):
    """The toegankelijkheidsverklaring: public, linked from the footer of every page."""
    return render(request, "toegankelijkheid.html", page_user(request))
