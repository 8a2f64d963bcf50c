"""Supplier pages and API: upload a delivery, get the Dutch report at once, see own deliveries.

A supplier account (or API token) is bound to one supplier code and sees only that supplier's
deliveries. The upload lands in the inbox for the nightly run; the report shown comes from the same
intake run on a scratch database.

Who is uploading is settled before the body is read: the session cookie for the page, the
`Authorization` header for the API. Only then is the multipart body parsed (its size capped by
portal.body_limit), so an unauthenticated client cannot make the server take in a large body.
"""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from portal import reads, state, uploads
from portal.pages import render
from portal.security import (
    CurrentUser,
    StateDB,
    User,
    bearer_supplier,
    check_csrf,
    client_ip,
    require_supplier,
)
from signals.registry import suppliers
from warehouse.store import read_only
from warehouse.workspace import Workspace

router = APIRouter()


def _page(request: Request, user: User, con: sqlite3.Connection, supplier: str, **context):
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
    supplier = require_supplier(user, supplier)
    return _page(request, user, con, supplier)


def _take(
    request: Request, con: sqlite3.Connection, supplier: str, feed: str, bestand: UploadFile, who: dict
) -> tuple[uploads.StoredUpload, dict]:
    """Store and validate one upload; the report as a dict for page and API. Refusals are raised."""
    ws: Workspace = request.app.state.workspace
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


async def _upload_form(request: Request) -> FormData:
    """The multipart body, parsed only now (after the caller knows who sends it): one file at most."""
    return await request.form(max_files=1, max_fields=5)


def _file(form: FormData) -> UploadFile:
    bestand = form.get("bestand")
    if not isinstance(bestand, UploadFile):
        raise uploads.UploadRefused("Kies een bestand om te uploaden (veld 'bestand').")
    return bestand


@router.post("/leveranciers/{supplier}/leveringen/{feed}")
async def upload(request: Request, supplier: str, feed: str, user: CurrentUser, con: StateDB):
    supplier = require_supplier(user, supplier)  # from the session cookie: before the body is read
    form = await _upload_form(request)
    try:
        check_csrf(form, user)

        def take_and_show():
            try:
                _, result = _take(
                    request, con, supplier, feed, _file(form), {"username": user.username, "role": user.role}
                )
            except uploads.UploadRefused as refused:
                return _page(request, user, con, supplier, refused=str(refused), feed=feed)
            return _page(request, user, con, supplier, result=result, feed=feed)

        return await run_in_threadpool(take_and_show)
    finally:
        await form.close()


@router.post("/api/leveringen/{feed}")
async def api_upload(request: Request, feed: str, con: StateDB):
    """Machine upload with `Authorization: Bearer <token>`; answers the delivery report as JSON."""
    supplier, label = await run_in_threadpool(bearer_supplier, request, con)  # before the body is read
    form = await _upload_form(request)
    try:
        stored, result = await run_in_threadpool(
            _take, request, con, supplier, feed, _file(form), {"username": f"api:{label}", "role": "supplier"}
        )
    except uploads.UploadRefused as refused:
        raise HTTPException(422, str(refused)) from refused
    finally:
        await form.close()
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
