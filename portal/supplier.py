"""Supplier pages and API: upload a delivery, get the Dutch report at once, see own deliveries.

A supplier account (or API token) is bound to one supplier code and sees only that supplier's
deliveries. The upload lands in the inbox for the nightly run; the report shown comes from the same
intake run on a scratch database.
"""

from __future__ import annotations

import sqlite3
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse

from portal import reads, state, uploads
from portal.security import (
    CheckedUser,
    CurrentUser,
    StateDB,
    User,
    bearer_supplier,
    client_ip,
    require_supplier,
)
from signals.registry import suppliers
from warehouse.store import read_only
from warehouse.workspace import Workspace

router = APIRouter()
# Multipart framing around the file; a body larger than the file limit plus this is refused unread.
_FORM_OVERHEAD = 64 * 1024


def _too_large(request: Request) -> bool:
    length = request.headers.get("content-length")
    return length is not None and length.isdigit() and int(length) > uploads.max_bytes() + _FORM_OVERHEAD


def _page(request: Request, user: User, con: sqlite3.Connection, supplier: str, **context):
    from portal.app import render

    ws: Workspace = request.app.state.workspace
    history = []
    if ws.warehouse.exists():
        with read_only(ws.warehouse) as wh:
            history = reads.supplier_deliveries(wh, supplier)
    state.audit(
        con,
        "leveringen_bekeken",
        username=user.username,
        role=user.role,
        supplier_code=supplier,
        ip=client_ip(request),
    )
    return render(
        request,
        "supplier.html",
        user,
        supplier=suppliers().get(supplier),
        history=history,
        max_mb=suppliers().max_delivery_mb,
        **context,
    )


@router.get("/leveranciers/{supplier}/leveringen")
def deliveries(request: Request, supplier: str, user: CurrentUser, con: StateDB):
    require_supplier(user, supplier)
    return _page(request, user, con, supplier)


def _take(
    request: Request, con: sqlite3.Connection, supplier: str, feed: str, bestand: UploadFile, who: dict
) -> tuple[uploads.StoredUpload, dict]:
    """Store and validate one upload; the report as a dict for page and API. Refusals are raised."""
    ws: Workspace = request.app.state.workspace
    if _too_large(request):
        raise uploads.UploadRefused(
            f"Het bestand is groter dan de afgesproken {suppliers().max_delivery_mb} MB."
        )
    stored = uploads.store_upload(
        ws, supplier, feed, bestand.file, bestand.filename or "", bestand.content_type
    )
    repeat = False
    if ws.warehouse.exists():
        with read_only(ws.warehouse) as wh:
            repeat = reads.delivered_before(wh, supplier, stored.sha256)
    report = uploads.validate_now(ws, stored, supplier, feed)
    state.audit(
        con,
        "levering_geupload",
        supplier_code=supplier,
        ip=client_ip(request),
        detail=f"{feed}: {report.summary['status']}, {report.summary['rows_read']} regels, "
        f"sha256 {stored.sha256[:12]}",
        **who,
    )
    return stored, {"summary": report.summary, "findings": report.findings.to_dicts(), "repeat": repeat}


@router.post("/leveranciers/{supplier}/leveringen/{feed}")
def upload(
    request: Request,
    supplier: str,
    feed: str,
    bestand: Annotated[UploadFile, File()],
    user: CheckedUser,
    con: StateDB,
):
    require_supplier(user, supplier)
    try:
        _, result = _take(
            request, con, supplier, feed, bestand, {"username": user.username, "role": user.role}
        )
    except uploads.UploadRefused as refused:
        return _page(request, user, con, supplier, refused=str(refused), feed=feed)
    return _page(request, user, con, supplier, result=result, feed=feed)


@router.post("/api/leveringen/{feed}")
def api_upload(
    request: Request,
    feed: str,
    bestand: Annotated[UploadFile, File()],
    con: StateDB,
):
    """Machine upload with `Authorization: Bearer <token>`; answers the delivery report as JSON."""
    supplier, label = bearer_supplier(request, con)
    try:
        stored, result = _take(
            request, con, supplier, feed, bestand, {"username": f"api:{label}", "role": "supplier"}
        )
    except uploads.UploadRefused as refused:
        raise HTTPException(422, str(refused)) from refused
    s = result["summary"]
    return JSONResponse(
        {
            "status": s["status"],
            "reden": s["rejection_reason"],
            "regels_gelezen": s["rows_read"],
            "regels_geaccepteerd": s["rows_loaded"],
            "regels_afgewezen": s["rows_quarantined"],
            "waarschuwingen": s["warnings"] or [],
            "eerder_geleverd": result["repeat"],
            "bevindingen": result["findings"],
            "sha256": stored.sha256,
        }
    )
