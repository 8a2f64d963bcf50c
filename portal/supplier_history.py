"""A supplier's deliveries as the supplier page shows them: waiting uploads, then a page of history.

An upload is listed the moment it is stored ("wacht op verwerking", from its sidecar in the inbox),
until the nightly run has taken it in; from then on it comes from raw_delivery. Every delivery's
report (signals/report.py) is found by its name, for this supplier's own deliveries only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import ceil
from pathlib import Path

from portal import reads
from portal.cache import reading
from portal.uploads import inbox_folder
from signals.delivery_status import channel_words, outcome
from signals.intake import AMSTERDAM
from signals.receipts import folder_receipts
from signals.report import DeliveryReport, delivery_report, read_report, report_stem
from warehouse.workspace import Workspace

PAGE_SIZE = 25
REPORT_FORMATS = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8"}
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class HistoryPage:
    pending: list[dict]  # waiting for the nightly run, newest first (on every page)
    rows: list[dict]  # taken in, newest first: this page
    page: int
    pages: int
    total: int


def is_delivery_id(value: str | None) -> bool:
    return value is not None and _SHA256.fullmatch(value) is not None


def _shown(row: dict, ws: Workspace, supplier: str, status: str | None, rows_quarantined: int | None) -> dict:
    shown = outcome(status, rows_quarantined)
    stem = report_stem(row["received_date"], supplier, row["feed"], row["delivery_id"])
    return {
        **row,
        "status_label": shown.label,
        "status_tone": shown.tone,
        "is_pending": status is None,
        "channel_words": channel_words(row["channel"]),
        "has_report": (ws.reports / f"{stem}.html").is_file(),
        "stem": stem,
    }


def pending(ws: Workspace, supplier: str) -> list[dict]:
    """Files in the supplier's inbox folder the nightly run has not taken in yet."""
    receipts = folder_receipts(inbox_folder(ws, supplier))
    done: set[str] = set()
    if receipts and ws.warehouse.exists():
        with reading(ws.warehouse) as wh:
            done = reads.taken_in(wh, supplier, [r.sha256 for r in receipts])
    rows, seen = [], set()
    for r in receipts:
        if r.sha256 in done or r.sha256 in seen:
            continue
        seen.add(r.sha256)
        row = {
            "delivery_id": r.sha256,
            "feed": r.feed,
            "original_name": r.original_name,
            "channel": r.channel,
            "received_at": r.received_at,
            "received_date": r.received_at.astimezone(AMSTERDAM).date(),
        }
        rows.append(_shown(row, ws, supplier, None, None))
    return rows


def history_page(ws: Workspace, supplier: str, page: int) -> HistoryPage:
    """Page `page` (from 1; beyond the last: the last) of the supplier's history."""
    total, rows = 0, []
    if ws.warehouse.exists():
        with reading(ws.warehouse) as wh:
            total = reads.count_supplier_deliveries(wh, supplier)
            pages = max(1, ceil(total / PAGE_SIZE))
            page = min(max(1, page), pages)
            found = reads.supplier_deliveries(wh, supplier, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        rows = [_shown(r, ws, supplier, r["status"], r["rows_quarantined"]) for r in found]
    pages = max(1, ceil(total / PAGE_SIZE))
    return HistoryPage(pending(ws, supplier), rows, min(max(1, page), pages), pages, total)


def own_delivery(ws: Workspace, supplier: str, delivery_id: str) -> dict | None:
    """This supplier's delivery (taken in or waiting), None for anyone else's or an unknown one."""
    if not is_delivery_id(delivery_id):
        return None
    if ws.warehouse.exists():
        with reading(ws.warehouse) as wh:
            row = reads.supplier_delivery(wh, supplier, delivery_id)
        if row is not None:
            return _shown(row, ws, supplier, row["status"], row["rows_quarantined"])
    return next((p for p in pending(ws, supplier) if p["delivery_id"] == delivery_id), None)


def report_of(ws: Workspace, supplier: str, delivery: dict) -> DeliveryReport | None:
    """The report to show on the page: from the warehouse once taken in, else the upload's own."""
    if not delivery["is_pending"] and ws.warehouse.exists():
        with reading(ws.warehouse) as wh:
            return delivery_report(wh, delivery["delivery_id"])
    return read_report(ws.reports, delivery["stem"])


def report_file(ws: Workspace, delivery: dict, fmt: str) -> Path | None:
    """The written report of this delivery in `fmt` (html, csv), None when there is none (anymore)."""
    if fmt not in REPORT_FORMATS:
        return None
    path = ws.reports / f"{delivery['stem']}.{fmt}"
    return path if path.is_file() else None
