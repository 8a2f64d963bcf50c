"""A supplier's upload: checked, put in the inbox for the nightly run, and validated at once.

The delivered file name is only shown, never used as a path: the file is written to
`inbox/<supplier folder>/<feed>/<timestamp>_<random>.<ext>` through a temporary file and a rename,
so the nightly run never sees half a file. Its receipt — the moment it was stored, the knowledge
date of its rows — is written to its sidecar first (signals/receipts.py). The immediate report
comes from running the same intake on a scratch DuckDB (the nightly run owns the warehouse); the
nightly run takes the file in for real.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from signals.addresses import load_reference
from signals.intake import IncomingFile, ingest_files
from signals.pseudonymise import pseudonym_key
from signals.receipts import receipt_fields, sidecar, write_sidecar
from signals.registry import suppliers
from signals.report import DeliveryReport, delivery_report
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


class UploadRefused(ValueError):
    """The upload is not taken: one Dutch sentence for the supplier."""


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
        raise UploadRefused(f"{supplier.name} levert geen feed '{feed}' aan.")


def extension_of(original_name: str, content_type: str | None) -> str:
    """The checked extension (csv, xlsx, json) of an upload."""
    suffix = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    if suffix not in ALLOWED_EXTENSIONS:
        raise UploadRefused("Alleen bestanden met de extensie .csv, .xlsx of .json worden aangenomen.")
    base_type = (content_type or "application/octet-stream").split(";")[0].strip().lower()
    if base_type not in ALLOWED_CONTENT_TYPES:
        raise UploadRefused(f"Het bestandstype '{base_type}' wordt niet aangenomen.")
    return suffix


def display_name(original_name: str) -> str:
    """The delivered name without any folder part, shortened: for showing only."""
    return original_name.replace("\\", "/").rsplit("/", 1)[-1][:120] or "(naamloos)"


def store_upload(
    ws: Workspace,
    supplier_code: str,
    feed: str,
    source: BinaryIO,
    original_name: str,
    content_type: str | None,
) -> StoredUpload:
    """Copy the upload into the inbox (size-checked while copying); returns where it went."""
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
                        f"Het bestand is groter dan de afgesproken {suppliers().max_delivery_mb} MB."
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRefused("Het bestand is leeg.")
        # The receipt, the channel and the delivered name travel with the file (written first: the
        # intake never sees the file without them); the name is only ever shown, never used as a path.
        received = datetime.now(tz=UTC).replace(microsecond=0)
        write_sidecar(
            target,
            {
                "channel": "upload",
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
    """The delivery report of this file, from the intake on a scratch DuckDB (thrown away after)."""
    incoming = IncomingFile(upload.path, supplier_code, feed, upload.received_at, channel="upload")
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
    return report
