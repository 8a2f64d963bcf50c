"""Backups of a workspace, apart from the system, and their restore (BIO 8.13).

One backup is one dated folder `vroeg-backup-<UTC time>` under the target, holding:

- `workspace/`: the warehouse, the portal state, and every other file of the workspace (archive,
  inbox, reference, registrations, lists, models, reports) exactly as they are;
- `config/`: the installation's configuration (`config_dir()`);
- `manifest.json`: every file with its size and SHA-256, the versions, the as-of dates it holds.

Consistency: the nightly flow never writes the live warehouse in place, it swaps a finished copy in
by rename (warehouse/store.py); a file opened before the swap keeps the old, complete version, so
copying from an open file is a consistent snapshot. If a write-ahead log lies next to the live file
(someone wrote it in place), DuckDB itself copies the database instead. The portal's SQLite file is
in WAL mode and written while the portal runs: it is copied with SQLite's online backup API, never
as a file.

Not in a backup: the pseudonymisation key (sealed apart, warehouse/sealed_key.py), Prefect's own
database (`.prefect`, rebuilt by the next run) and the warehouse's lock and working copies.

A backup is written to `<name>.partial` and renamed when complete, so a folder with the final name
is always whole. Files are 0600, folders 0700. Restoring one: warehouse/restore.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse import sealed_key
from warehouse.store import connect, copy_database
from warehouse.workspace import DEMO_KEY_FILE, Workspace, code_version

FORMAT = "vroeg-backup/1"
PREFIX = "vroeg-backup-"
_NAME = re.compile(r"^vroeg-backup-\d{8}T\d{6}Z$")
WAREHOUSE = "warehouse.duckdb"
_PORTAL = "portal.sqlite"
# Top-level workspace entries never copied as files: the two databases are copied their own way,
# the rest is the key, Prefect's state, the warehouse's lock, working copies and journals, and the
# nightly run's lock and journal (warehouse/run_journal.py: a restored workspace starts clean).
_SKIPPED_PREFIXES = ("warehouse.", "portal.sqlite", ".prefect", DEMO_KEY_FILE, "nightly.")
_CHUNK = 1 << 20


@dataclass
class BackupResult:
    folder: Path
    files: int
    bytes: int
    as_of_dates: list[str]
    key_file: Path | None
    removed: list[str] = field(default_factory=list)


def private_folder(path: Path) -> None:
    """`path` and every missing parent, 0700 (mkdir's mode applies to the last one only)."""
    missing = [p for p in [path, *path.parents] if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
        folder.chmod(0o700)  # whatever the umask; folders that exist already are left as they are


def copy_private(source, dest: Path, mode: int = 0o600) -> tuple[int, str]:
    """Stream `source` (a path or an open binary file) to a new file `dest`; (bytes, sha256)."""
    digest, size = hashlib.sha256(), 0
    private_folder(dest.parent)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    src = open(source, "rb") if isinstance(source, Path) else source  # noqa: SIM115 - closed below
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    finally:
        if isinstance(source, Path):
            src.close()
    dest.chmod(mode)
    return size, digest.hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _workspace_files(root: Path) -> list[Path]:
    """Regular files of the workspace to copy as they are (symbolic links are not followed)."""
    found = []
    for top in sorted(root.iterdir()):
        if top.name.startswith(_SKIPPED_PREFIXES) or top.is_symlink():
            continue
        candidates = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        found += [p for p in candidates if not p.is_symlink() and p.suffix != ".part"]
    return found


def _copy_warehouse(live: Path, dest: Path) -> None:
    if live.with_name(live.name + ".wal").exists():
        copy_database(live, dest, read_only=True)
        dest.chmod(0o600)
    else:
        with open(live, "rb") as pinned:  # keeps this version even if the nightly swaps one in now
            copy_private(pinned, dest)


def _warehouse_facts(path: Path) -> dict:
    con = connect(path, read_only=True)
    try:
        as_of = [
            d.isoformat()
            for (d,) in con.execute("select distinct as_of_date from fct_list_entry order by 1").fetchall()
        ]
        schema = con.execute("select max(version) from meta_schema_migration").fetchall()[0][0]
    finally:
        con.close()
    return {"as_of_dates": as_of, "schema_version": schema}


def _copy_portal_state(live: Path, dest: Path) -> None:
    private_folder(dest.parent)
    source = sqlite3.connect(live, timeout=30)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        target.execute("pragma journal_mode = delete")  # one self-contained file
    finally:
        target.close()
        source.close()
    dest.chmod(0o600)


def backup(
    workspace: Workspace,
    target: Path,
    config: Path,
    *,
    keep: int,
    key: bytes | None = None,
    key_target: Path | None = None,
    passphrase: str | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """Back `workspace` up into a new dated folder under `target`, seal `key` into `key_target`, and
    remove the backups (and their sealed keys) beyond the newest `keep`."""
    root, target = workspace.root.resolve(), Path(target).resolve()
    if target == root or target.is_relative_to(root) or root.is_relative_to(target):
        raise ValueError("the backup target must lie outside the workspace")
    if key_target is not None:
        key_target = Path(key_target).resolve()
        if key_target.is_relative_to(target):
            raise ValueError("the sealed key must lie apart from the backups")
    name = PREFIX + (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    private_folder(target)
    for stale in target.glob(PREFIX + "*.partial"):
        shutil.rmtree(stale)  # a backup that died halfway: personal data nobody will use
    partial = target / (name + ".partial")
    private_folder(partial)
    entries: list[dict] = []

    def add(dest: Path, source_mode: int = 0o600) -> None:
        size, sha = file_digest(dest)
        entries.append(
            {
                "path": dest.relative_to(partial).as_posix(),
                "bytes": size,
                "sha256": sha,
                "mode": oct(source_mode & 0o700),
            }
        )

    facts: dict = {"as_of_dates": [], "schema_version": None}
    if workspace.warehouse.exists():
        dest = partial / "workspace" / WAREHOUSE
        _copy_warehouse(workspace.warehouse, dest)
        facts = _warehouse_facts(dest)
        add(dest)
    if workspace.portal_state.exists():
        dest = partial / "workspace" / _PORTAL
        _copy_portal_state(workspace.portal_state, dest)
        add(dest)
    for file in _workspace_files(root):
        dest = partial / "workspace" / file.relative_to(root)
        copy_private(file, dest)
        add(dest, file.stat().st_mode)
    for file in sorted(p for p in Path(config).rglob("*") if p.is_file() and not p.is_symlink()):
        dest = partial / "config" / file.relative_to(config)
        copy_private(file, dest)
        add(dest, file.stat().st_mode)
    key_file = None
    if key is not None and key_target is not None and passphrase is not None:
        key_file = sealed_key.seal(key, passphrase, key_target / f"{name}.key.sealed")
    manifest = {
        "format": FORMAT,
        "name": name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "workspace": str(root),
        "versions": {
            "code": code_version(),
            "python": sys.version.split()[0],
            "duckdb": duckdb.__version__,
            "sqlite": sqlite3.sqlite_version,
            "warehouse_schema": facts["schema_version"],
        },
        "as_of_dates": facts["as_of_dates"],
        "list_folders": sorted(p.name for p in workspace.lists.iterdir() if p.is_dir())
        if workspace.lists.exists()
        else [],
        "key": {
            "in_backup": False,
            "fingerprint": sealed_key.fingerprint(key) if key is not None else None,
            "sealed_as": key_file.name if key_file else None,
        },
        "files": entries,
    }
    manifest_path = partial / "manifest.json"
    fd = os.open(manifest_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
    folder = target / name
    os.rename(partial, folder)
    removed = prune(target, keep, key_target)
    return BackupResult(
        folder,
        len(entries),
        sum(e["bytes"] for e in entries),
        facts["as_of_dates"],
        key_file,
        removed,
    )


def backups(target: Path) -> list[Path]:
    """The complete backups under `target`, oldest first."""
    if not Path(target).exists():
        return []
    return sorted(
        p for p in Path(target).iterdir() if _NAME.match(p.name) and (p / "manifest.json").is_file()
    )


def prune(target: Path, keep: int, key_target: Path | None = None) -> list[str]:
    """Remove the backups beyond the newest `keep` (and their sealed keys); their names."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    old = backups(target)[:-keep]
    for folder in old:
        shutil.rmtree(folder)
        if key_target is not None:
            (Path(key_target) / f"{folder.name}.key.sealed").unlink(missing_ok=True)
    return [f.name for f in old]
