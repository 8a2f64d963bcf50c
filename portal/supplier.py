"""Supplier pages and API: upload a delivery, get the Dutch report at once, see own deliveries.

A supplier account (or API token) is bound to one supplier code and sees only that supplier's
deliveries. The upload lands in the inbox for the nightly run; the report shown comes from the same
intake run on a scratch database. After an upload the browser is sent on (303) to the page showing
its report (`?levering=<sha256>`), so reloading never sends the file again. Every report of the
supplier's own deliveries can be reopened and downloaded (`/rapport.html`, `/rapport.csv`).

Who is uploading is settled before the body is read: the session cookie for the page, the
`Authorization` header for the API. Only then is the multipart body parsed (its size capped by
portal.body_limit), so an unauthenticated client cannot make the server take in a large body.
"""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from portal import state, supplier_history, uploads
from portal.pages import render
from portal.security import (
    CurrentUser,
    Refusal,
    StateDB,
    User,
    bearer_supplier,
    check_csrf,
    client_ip,
    require_supplier,
)
from signals.registry import safe_id, suppliers
from warehouse.workspace import Workspace

router = APIRouter()


def _page(
    request: Request,
    user: User,
    con: sqlite3.Connection,
    supplier: str,
    page: int = 1,
    shown: str | None = None,
    status_code: int = 200,
    **context,
):
    """The supplier page; `shown`: the delivery (sha256) whose report is shown at the top."""
    ws: Workspace = request.app.state.workspace
    history = supplier_history.history_page(ws, supplier, page)
    result = None
    if shown is not None:
        delivery = supplier_history.own_delivery(ws, supplier, shown)
        report = supplier_history.report_of(ws, supplier, delivery) if delivery else None
        if report is None:
            context["refused"] = "Het rapport van deze levering is niet gevonden."
        else:
            result = {"delivery": delivery, "summary": report.summary, "findings": report.findings.to_dicts()}
    state.audit(
        con,
        "leveringen_bekeken",
        username=user.username,
        role=user.role,
        supplier_code=supplier,
        ip=client_ip(request),
        detail=f"pagina {history.page}" + (f", rapport sha256 {shown[:12]}" if result else ""),
    )
    return render(
        request,
        "supplier.html",
        user,
        status_code=status_code,
        supplier=suppliers().get(supplier),
        history=history,
        result=result,
        max_mb=suppliers().max_delivery_mb,
        **context,
    )


def _page_url(supplier: str, delivery_id: str) -> str:
    return f"/leveranciers/{safe_id(supplier)}/leveringen?levering={delivery_id}"


@router.get("/leveranciers/{supplier}/leveringen")
def deliveries(
    request: Request,
    supplier: str,
    user: CurrentUser,
    con: StateDB,
    pagina: int = 1,
    levering: str | None = None,
):
    supplier = require_supplier(user, supplier)
    return _page(request, user, con, supplier, page=pagina, shown=levering)


@router.get("/leveranciers/{supplier}/leveringen/{delivery_id}/rapport.{fmt}")
def delivery_report_file(
    request: Request, supplier: str, delivery_id: str, fmt: str, user: CurrentUser, con: StateDB
):
    """A past delivery report, for the supplier who delivered it only; every view (and refusal) audited."""
    who = {"username": user.username, "role": user.role, "ip": client_ip(request)}
    try:
        code = require_supplier(user, supplier)
    except HTTPException as refused:  # audited as a refusal (portal/errors.py)
        raise Refusal(refused.status_code, refused.detail, "leveringsrapport_geweigerd") from refused
    ws: Workspace = request.app.state.workspace
    delivery = supplier_history.own_delivery(ws, code, delivery_id)
    path = supplier_history.report_file(ws, delivery, fmt) if delivery else None
    if path is None:
        raise Refusal(
            404,
            "Dit rapport is er niet (meer), of de levering is niet van uw organisatie.",
            "leveringsrapport_geweigerd",
            "onbekende levering of vorm",
        )
    state.audit(
        con,
        "leveringsrapport_bekeken",
        supplier_code=code,
        detail=f"{fmt}, sha256 {delivery_id[:12]}",
        **who,
    )
    disposition = "inline" if fmt == "html" else "attachment"
    return FileResponse(
        path,
        media_type=supplier_history.REPORT_FORMATS[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="leveringsrapport_{path.name}"'},
    )


def _take(
    request: Request, con: sqlite3.Connection, supplier: str, feed: str, bestand: UploadFile, who: dict
) -> tuple[uploads.StoredUpload, dict]:
    """Store and validate one upload; the report as a dict for page and API. Refusals are raised."""
    ws: Workspace = request.app.state.workspace
    channel = "api" if who["username"].startswith("api:") else "upload"
    stored = uploads.store_upload(
        ws, supplier, feed, bestand.file, bestand.filename or "", bestand.content_type, channel=channel
    )
    report = uploads.validate_now(ws, stored, supplier, feed)
    state.audit(
        con,
        "levering_geupload",
        supplier_code=supplier,
        ip=client_ip(request),
        detail=f"{feed}: {report.summary['status_label']}, {report.summary['rows_read']} regels, "
        f"sha256 {stored.sha256[:12]}",
        **who,
    )
    return stored, {"summary": report.summary, "findings": report.findings.to_dicts()}


async def _upload_form(request: Request) -> FormData:
    """The multipart body, parsed only now (after the caller knows who sends it): one file at most."""
    return await request.form(max_files=1, max_fields=5)


def _file(form: FormData) -> UploadFile:
    bestand = form.get("bestand")
    if not isinstance(bestand, UploadFile):
        raise uploads.UploadRefused("Kies een bestand om te uploaden (veld 'bestand').", "geen bestand")
    return bestand


@router.post("/leveranciers/{supplier}/leveringen/{feed}")
async def upload(request: Request, supplier: str, feed: str, user: CurrentUser, con: StateDB):
    supplier = require_supplier(user, supplier)  # from the session cookie: before the body is read
    form = await _upload_form(request)
    try:
        check_csrf(form, user)

        def take():
            try:
                stored, _ = _take(
                    request, con, supplier, feed, _file(form), {"username": user.username, "role": user.role}
                )
            except uploads.UploadRefused as refused:
                state.audit(
                    con,
                    "levering_geweigerd",
                    username=user.username,
                    role=user.role,
                    supplier_code=supplier,
                    detail=f"{safe_id(feed)[:40]}: {refused.kind}",
                    result=state.REFUSED,
                )
                return _page(request, user, con, supplier, status_code=422, refused=str(refused), feed=feed)
            # post/redirect/get: a reload shows the report again and never sends the file again
            return RedirectResponse(_page_url(supplier, stored.sha256), status_code=303)

        return await run_in_threadpool(take)
    finally:
        await form.close()


@router.post("/api/leveringen/{feed}")
async def api_upload(request: Request, feed: str, con: StateDB):
    """Machine upload with `Authorization: Bearer <token>`; answers the delivery report as JSON."""
    supplier, label = await run_in_threadpool(bearer_supplier, request, con)  # before the body is read
    request.state.actor = (f"api:{label}", "supplier")  # for the audit of a refusal below
    form = await _upload_form(request)
    try:
        stored, result = await run_in_threadpool(
            _take, request, con, supplier, feed, _file(form), {"username": f"api:{label}", "role": "supplier"}
        )
    except uploads.UploadRefused as refused:
        code = 409 if isinstance(refused, uploads.DuplicateUpload) else 422
        raise Refusal(code, str(refused), "levering_geweigerd", refused.kind) from refused
    finally:
        await form.close()
    s = result["summary"]
    return JSONResponse(
        {
            "status": s["status"],
            "uitkomst": s["status_label"],
            "reden": s["rejection_reason"],
            "regels_gelezen": s["rows_read"],
            "regels_geaccepteerd": s["rows_loaded"],
            "regels_afgewezen": s["rows_quarantined"],
            "waarschuwingen": s["warnings"] or [],
            "bevindingen": result["findings"],
            "sha256": stored.sha256,
        }
    )
