"""Receipts: when a delivery was received — the knowledge date of every row in it.

The moment is recorded when the delivery is received and travels with the file in its sidecar
(`.<name>.meta.json` beside it in the inbox); it is never read from the file system's clock (a
copied, restored or migrated inbox would re-date every signal to the copy day).

How the moment is established (`basis`, stored in raw_delivery.received_basis):

- `receipt` — an upload or API call (portal/uploads.py) or `vroeg ingest`: the moment the file
  was stored.
- `first_sight` — a file put in a drop folder: the first nightly run that sees it records the
  moment in the sidecar *before* the intake, so a run that fails does not re-date it. The moment
  is `first_sight_moment(as_of)`: now, but never later than the end of the run's as-of day
  (Europe/Amsterdam). A run for today (the scheduled run, as-of = today) records the real moment;
  a run for a past as-of date (a replay of history week by week, `vroeg nightly --as-of D`) dates
  what it finds to the end of day D, so it is known on D and not before. Consequence: a catch-up
  run for a missed night dates everything then in the inbox to that night — to catch up, run
  today's night only (the missed nights' lists can no longer be worked anyway).
- `history_manifest` / `history_file_name` — a history import (`vroeg nightly --history-manifest
  FILE` or `--history-from-file-names`), only behind that explicit option: the moment comes from
  the manifest (CSV `path,received_at`, `path` relative to the inbox) or from a file name that
  starts with `YYYY-MM-DD_` (the start of that day in Europe/Amsterdam). It is recorded in the
  sidecar like any other receipt, so a rerun without the option keeps it.

A sidecar also holds the file's SHA-256: a file replaced under the same name after its receipt
was recorded is a new receipt.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from signals.intake import AMSTERDAM, IncomingFile
from signals.registry import suppliers

MANIFEST_COLUMNS = ("path", "received_at")
_NAME_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})_")


class ManifestError(ValueError):
    """A history manifest that cannot be used: one Dutch sentence for the administrator."""


def sidecar(path: Path) -> Path:
    """Hidden `.<name>.meta.json` beside an inbox file: its receipt (and channel, delivered name)."""
    return path.with_name(f".{path.name}.meta.json")


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def read_sidecar(path: Path) -> dict:
    meta = sidecar(path)
    return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}


def write_sidecar(path: Path, meta: dict) -> None:
    """Write the sidecar whole or not at all (a hidden temporary file, then a rename)."""
    target = sidecar(path)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, target)


def receipt_fields(received_at: datetime, basis: str, sha256: str) -> dict[str, str]:
    """The sidecar fields of a receipt (received_at in UTC, whole seconds kept as given)."""
    return {"received_at": received_at.astimezone(UTC).isoformat(), "basis": basis, "sha256": sha256}


def first_sight_moment(as_of: date, now: datetime | None = None) -> datetime:
    """When a run for `as_of` receives a drop-folder file it sees for the first time (module doc)."""
    now = (now or datetime.now(tz=UTC)).astimezone(UTC).replace(microsecond=0)
    end_of_as_of = datetime.combine(as_of, time(23, 59, 59), tzinfo=AMSTERDAM).astimezone(UTC)
    return min(now, end_of_as_of)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment; without an offset it is Europe/Amsterdam time, a bare date its start."""
    value = text.strip()
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(UTC)


def read_history_manifest(manifest: Path, inbox: Path) -> dict[Path, datetime]:
    """{file in the inbox: received-at (UTC)} of a history manifest; ManifestError when unusable."""
    if not manifest.is_file():
        raise ManifestError(f"Het manifest {manifest} bestaat niet.")
    root = inbox.resolve()
    with manifest.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != MANIFEST_COLUMNS:
            raise ManifestError(
                f"Het manifest {manifest.name} heeft de kolommen {', '.join(MANIFEST_COLUMNS)} nodig "
                f"(gevonden: {', '.join(reader.fieldnames or ()) or 'geen'})."
            )
        dates: dict[Path, datetime] = {}
        for line, row in enumerate(reader, start=2):
            path = (root / (row["path"] or "").strip()).resolve()
            if not path.is_relative_to(root) or len(path.relative_to(root).parts) != 3:
                raise ManifestError(
                    f"{manifest.name} regel {line}: het pad moet <leverancier>/<feed>/<bestand> binnen "
                    "de inbox zijn."
                )
            try:
                dates[path] = parse_moment(row["received_at"] or "")
            except ValueError as exc:
                raise ManifestError(
                    f"{manifest.name} regel {line}: received_at is geen datum of tijdstip "
                    "(bijv. 2026-03-02T07:15:00+01:00 of 2026-03-02)."
                ) from exc
    return dates


def file_name_moment(name: str) -> datetime | None:
    """The start (Europe/Amsterdam) of the day a `YYYY-MM-DD_...` file name begins with."""
    match = _NAME_DATE.match(name)
    if match is None:
        return None
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        return None
    return datetime.combine(day, time(), tzinfo=AMSTERDAM).astimezone(UTC)


@dataclass(frozen=True)
class History:
    """Where a history import takes its knowledge dates from (only ever given explicitly)."""

    manifest: Mapping[Path, datetime] | None = None
    from_file_names: bool = False

    @property
    def active(self) -> bool:
        return self.manifest is not None or self.from_file_names

    def moment(self, path: Path) -> tuple[datetime, str] | None:
        if self.manifest is not None:
            found = self.manifest.get(path.resolve())
            return (found, "history_manifest") if found else None
        if self.from_file_names:
            found = file_name_moment(path.name)
            return (found, "history_file_name") if found else None
        return None


@dataclass
class InboxScan:
    files: list[IncomingFile]
    first_sighted: int = 0
    undated_in_history: int = 0  # a history import that did not date a file: dated by first sight
    manifest_missing: int = 0  # manifest rows without their file in the inbox

    def warnings_nl(self) -> list[str]:
        warnings = []
        if self.undated_in_history:
            warnings.append(
                f"Historie-import: {self.undated_in_history} bestand(en) in de inbox kregen geen datum uit "
                "het manifest of de bestandsnaam; ontvangen gerekend bij deze eerste waarneming."
            )
        if self.manifest_missing:
            warnings.append(
                f"Historie-import: {self.manifest_missing} regel(s) van het manifest noemen een bestand "
                "dat niet in de inbox staat."
            )
        return warnings


def discover_inbox(inbox: Path, first_seen_at: datetime, history: History | None = None) -> InboxScan:
    """Files under `inbox/<supplier folder>/<feed>/`, oldest receipt first, each with its receipt.

    A file without a recorded receipt (or whose bytes changed since) gets one now — from `history`
    when given, else `first_seen_at` — written to its sidecar before this returns. The supplier is
    the one whose drop folder this is (signals.registry.safe_id); an unknown folder keeps its name
    and the intake rejects the delivery.
    """
    history = history or History()
    scan = InboxScan(files=[])
    seen: set[Path] = set()
    for path in sorted(inbox.glob("*/*/*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        seen.add(path.resolve())
        meta = read_sidecar(path)
        sha = file_sha256(path)
        dated = history.moment(path)
        if dated is not None:
            received, basis = dated
        elif meta.get("received_at") and meta.get("sha256", sha) == sha:
            received, basis = parse_moment(meta["received_at"]), meta.get("basis", "receipt")
        else:
            received, basis = first_seen_at, "first_sight"
            scan.first_sighted += 1
            scan.undated_in_history += history.active
        fields = {"channel": meta.get("channel", "drop_folder"), **receipt_fields(received, basis, sha)}
        if any(meta.get(k) != v for k, v in fields.items()):
            write_sidecar(path, {**meta, **fields})
        scan.files.append(
            IncomingFile(
                path,
                suppliers().code_for_folder(path.parent.parent.name),
                path.parent.name,
                received,
                channel=fields["channel"],
                delivered_name=meta.get("original_name"),
                received_basis=basis,
                sha256=sha,
            )
        )
    if history.manifest is not None:
        scan.manifest_missing = len(set(history.manifest) - seen)
    scan.files.sort(key=lambda f: (f.received_at, str(f.path)))
    return scan


@dataclass(frozen=True)
class Receipt:
    """A file in a supplier's inbox folder with its recorded receipt (the sidecar)."""

    path: Path
    feed: str
    sha256: str
    received_at: datetime
    original_name: str
    channel: str


def folder_receipts(supplier_inbox: Path) -> list[Receipt]:
    """Files under `<supplier folder>/<feed>/` whose sidecar records their SHA-256, newest first.

    Reads the sidecars only (never hashes the files): what an upload recorded when it was stored, or
    what a nightly run recorded when it first saw a drop-folder file.
    """
    found = []
    for path in supplier_inbox.glob("*/*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        meta = read_sidecar(path)
        if not meta.get("sha256") or not meta.get("received_at"):
            continue
        found.append(
            Receipt(
                path,
                path.parent.name,
                meta["sha256"],
                parse_moment(meta["received_at"]),
                meta.get("original_name") or path.name,
                meta.get("channel", "drop_folder"),
            )
        )
    return sorted(found, key=lambda r: (r.received_at, r.path.name), reverse=True)
