"""The administrator's view of many regions: every region's last night in one table.

Shown only by a portal started with a regions file (`VROEG_REGIONS`, signals/regions.py): the
hosting provider's or the collaboration's own portal, whose administrators run the regions. A
region's own portal has no such file and shows only its own runs (/beheer/runs), so one region's
administrators never see another's. The table holds no personal data: per region its name, the
as-of date, status and duration of its last run and that run's warnings (supplier names, dates),
read read-only from each region's own warehouse, as `vroeg regions status` does.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, Request

from portal.pages import render
from portal.security import CurrentUser, require_role

router = APIRouter()
REGIONS_PAGE = "/beheer/regios"
REGIONS_ENV = "VROEG_REGIONS"


def regions_file() -> Path | None:
    value = os.environ.get(REGIONS_ENV)
    return Path(value) if value else None


@router.get(REGIONS_PAGE)
def regions(request: Request, user: CurrentUser):
    from pydantic import ValidationError

    from signals.regions import load_regions, region_status

    require_role(user, "administrator")
    path = request.app.state.regions_file
    rows, problem = None, None
    if path is not None:
        try:
            rows = region_status(load_regions(path))
        except (OSError, ValidationError, ValueError):
            problem = (
                "Het regiobestand van dit portaal is niet te lezen; controleer het met vroeg regions check."
            )
    return render(request, "regions.html", user, rows=rows, problem=problem)
