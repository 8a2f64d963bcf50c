"""A supplier's upload: checked, put in the inbox for the nightly run, and validated at once.

The delivered file name is only shown, never used as a path: the file is written to
`inbox/<supplier folder>/<feed>/<timestamp>_<random>.<ext>` through a temporary file and a rename,
so the nightly run never sees half a file. Its receipt — the moment it was stored, the knowledge
date of its rows — is written to its sidecar first (signals/receipts.py). The immediate report
comes from running the same intake on a scratch DuckDB (the nightly run owns the warehouse); it is
written to the reports folder at once, so it can be shown again and downloaded; the nightly run
takes the file in for real.

The same bytes are stored once: a file already waiting in the supplier's inbox folder or already
taken in is refused before it is put in the inbox.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from portal.cache import reading
from portal.dutch import nl_date
from portal.reads import supplier_delivery
from signals.addresses import load_reference
from signals.intake import IncomingFile, ingest_files
from signals.pseudonymise import pseudonym_key
from signals.receipts import folder_receipts, read_sidecar, receipt_fields, sidecar, write_sidecar
from signals.registry import suppliers
from signals.report import DeliveryReport, delivery_report, write_report
from warehouse.migrate import migrate
from warehouse.store import connect
from warehouse.workspace import Workspace

ALLOWED_EXTENSIONS = ("csv", "xlsx", "json")
# Browsers and scripts label CSV files in many ways; these are the ones that can hold a delivery.
ALLOWED_CONTENT_TYPES = {
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/json",
    "application/octet-stream",
}
_CHUNK = 1 << 20
# Between "is this file new?" and putting it in the inbox: two uploads of the same bytes at once
# store it once (the portal is one process).
_STORING = threading.Lock()


class UploadRefused(ValueError):
    """The upload is not taken: one Dutch sentence for the supplier; `kind`, a few fixed words for
    the audit log (the sentence names dates and feeds; the audit line names the kind only)."""

    def __init__(self, message: str, kind: str = "inhoud") -> None:
        super().__init__(message)
        self.kind = kind


class DuplicateUpload(UploadRefused):
    """The same bytes are already waiting in the inbox or were already taken in."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "dubbel")


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    original_name: str
    sha256: str
    byte_size: int
    received_at: datetime


def max_bytes() -> int:
    return suppliers().max_delivery_mb * 1_000_000


def check_feed(supplier_code: str, feed: str) -> None:
    supplier = suppliers().get(supplier_code)
    if feed not in supplier.feeds:
        raise UploadRefused(f"{supplier.name} levert geen feed '{feed}' aan.", "onbekende feed")


def extension_of(original_name: str, content_type: str | None) -> str:
    """The checked extension (csv, xlsx, json) of an upload."""
    suffix = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    if suffix not in ALLOWED_EXTENSIONS:
        raise UploadRefused(
            "Alleen bestanden met de extensie .csv, .xlsx of .json worden aangenomen.", "extensie"
        )
    base_type = (content_type or "application/octet-stream").split(";")[0].strip().lower()
    if base_type not in ALLOWED_CONTENT_TYPES:
        raise UploadRefused(f"Het bestandstype '{base_type}' wordt niet aangenomen.", "bestandstype")
    return suffix


def display_name(original_name: str) -> str:
    """The delivered name without any folder part, shortened: for showing only."""
    return original_name.replace("\\", "/").rsplit("/", 1)[-1][:120] or "(naamloos)"


def inbox_folder(ws: Workspace, supplier_code: str) -> Path:
    return ws.inbox / suppliers().get(supplier_code).folder


def already_known(ws: Workspace, supplier_code: str, sha256: str) -> str | None:
    """Why these bytes are not stored again (one Dutch sentence), or None for a new file."""
    for receipt in folder_receipts(inbox_folder(ws, supplier_code)):
        if receipt.sha256 == sha256:
            if ws.warehouse.exists():
                with reading(ws.warehouse) as wh:
                    if supplier_delivery(wh, supplier_code, sha256) is not None:
                        break  # taken in: say so below
            return (
                f"Dit bestand (dezelfde inhoud) staat al klaar voor verwerking sinds "
                f"{nl_date(receipt.received_at)}; het is niet nog eens opgeslagen."
            )
    if ws.warehouse.exists():
        with reading(ws.warehouse) as wh:
            earlier = supplier_delivery(wh, supplier_code, sha256)
        if earlier is not None:
            return (
                f"Dit bestand (dezelfde inhoud) is al eerder geleverd en verwerkt, ontvangen op "
                f"{nl_date(earlier['received_at'])}; het is niet nog eens opgeslagen."
            )
    return None


def store_upload(
    ws: Workspace,
    supplier_code: str,
    feed: str,
    source: BinaryIO,
    original_name: str,
    content_type: str | None,
    channel: str = "upload",
) -> StoredUpload:
    """Copy the upload into the inbox (size-checked while copying); returns where it went.

    Refused (UploadRefused) when the same bytes are already waiting or were already taken in.
    """
    check_feed(supplier_code, feed)
    ext = extension_of(display_name(original_name), content_type)
    folder = ws.inbox / suppliers().get(supplier_code).folder / feed
    folder.mkdir(parents=True, exist_ok=True)
    limit = max_bytes()
    digest, size = hashlib.sha256(), 0
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
    target = folder / f"{stamp}_{secrets.token_hex(6)}.{ext}"
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=folder)  # hidden: the intake skips it
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(
                        f"Het bestand is groter dan de afgesproken {suppliers().max_delivery_mb} MB.",
                        "te groot",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRefused("Het bestand is leeg.", "leeg")
        # The receipt, the channel and the delivered name travel with the file (written first: the
        # intake never sees the file without them); the name is only ever shown, never used as a path.
        with _STORING:
            known = already_known(ws, supplier_code, digest.hexdigest())
            if known is not None:
                raise DuplicateUpload(known)
            received = datetime.now(tz=UTC).replace(microsecond=0)
            write_sidecar(
                target,
                {
                    "channel": channel,
                    "original_name": display_name(original_name),
                    **receipt_fields(received, "receipt", digest.hexdigest()),
                },
            )
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if not target.exists():
            sidecar(target).unlink(missing_ok=True)
        raise
    return StoredUpload(target, display_name(original_name), digest.hexdigest(), size, received)


def validate_now(ws: Workspace, upload: StoredUpload, supplier_code: str, feed: str) -> DeliveryReport:
    """The delivery report of this file, from the intake on a scratch DuckDB (thrown away after),
    written to the reports folder (with its summary, so the portal can show it again)."""
    channel = read_sidecar(upload.path).get("channel", "upload")
    incoming = IncomingFile(
        upload.path,
        supplier_code,
        feed,
        upload.received_at,
        channel=channel,
        delivered_name=upload.original_name,
        sha256=upload.sha256,
    )
    with tempfile.TemporaryDirectory(prefix="vroeg-upload-") as tmp:
        scratch = Path(tmp)
        con = connect(scratch / "scratch.duckdb")
        try:
            migrate(con)
            load_reference(con, ws.reference)
            (record,) = ingest_files(con, [incoming], scratch / "archive", pseudonym_key(ws.root))
            report = delivery_report(con, record.delivery_id)
        finally:
            con.close()
    report.summary["original_name"] = upload.original_name
    write_report(report, ws.reports, with_summary=True)
    return report
