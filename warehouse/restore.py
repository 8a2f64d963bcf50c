"""Restoring a backup (warehouse/backup.py) into an empty folder, after checking it whole.

Every file is checked against the manifest (size, SHA-256; nothing missing, nothing extra) before
anything is written, so a damaged backup restores nothing. The sealed key, if given, is opened and
its fingerprint compared with the backup's before anything is written too.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from warehouse import sealed_key
from warehouse.backup import FORMAT, WAREHOUSE, copy_private, file_digest, private_folder
from warehouse.store import connect
from warehouse.workspace import DEMO_KEY_FILE


class DamagedBackup(RuntimeError):
    """A file of the backup is missing, altered or unexpected; nothing was restored."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem  # missing | size | checksum | unexpected | manifest


class WorkspaceNotEmpty(RuntimeError):
    """A restore goes into an empty folder only."""


class KeyMismatch(RuntimeError):
    """The sealed key is not the key this backup's warehouse was pseudonymised with."""


@dataclass
class RestoreResult:
    workspace: Path
    files: int
    archive_paths_rewritten: int
    archive_files_missing: int
    config_dir: Path | None
    key_file: Path | None


def verify(source: Path) -> dict:
    """The manifest of the backup in `source`, after checking every file against it."""
    source = Path(source)
    try:
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
        listed = {e["path"]: e for e in manifest["files"]}
        if manifest.get("format") != FORMAT:
            raise ValueError(manifest.get("format"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DamagedBackup("manifest.json", "manifest") from exc
    present = {
        p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file() or p.is_symlink()
    } - {"manifest.json"}
    for unexpected in sorted(present - set(listed)):
        raise DamagedBackup(unexpected, "unexpected")
    for path, entry in listed.items():
        file = source / path
        if path not in present or not file.is_file():
            raise DamagedBackup(path, "missing")
        if file.stat().st_size != entry["bytes"]:
            raise DamagedBackup(path, "size")
        if file_digest(file)[1] != entry["sha256"]:
            raise DamagedBackup(path, "checksum")
    return manifest


_ARCHIVED = r"^/.*/archive/([0-9a-f]{2}/[^/]+)$"  # <root>/archive/<2 hex>/<sha>.<ext> (signals/intake.py)


def _rewrite_archive_paths(db: Path, new_root: Path) -> int:
    """Point absolute archive paths into the restored workspace's archive; rows changed.

    2026-12: raw_delivery.archive_path is absolute in warehouses written so far (it is being made
    workspace-relative on another branch; relative paths are left as they are). A restored copy must
    never point at the original's files, or a purge there would delete the original's archive. The
    paths are rewritten whatever root they name, so a workspace that was moved or copied before this
    backup is restored pointing at its own files too."""
    con = connect(db)
    try:
        changed = con.execute(
            "update raw_delivery set archive_path = regexp_replace(archive_path, $pattern, $new) "
            "where regexp_matches(archive_path, $pattern) "
            "and archive_path <> regexp_replace(archive_path, $pattern, $new)",
            {"pattern": _ARCHIVED, "new": str(new_root / "archive") + r"/\1"},
        ).fetchall()[0][0]
        con.execute("checkpoint")
    finally:
        con.close()
    return changed


def _missing_archive_files(db: Path, root: Path) -> int:
    con = connect(db, read_only=True)
    try:
        paths = con.execute(
            "select archive_path from raw_delivery where archive_purged_at is null"
        ).fetchall()
    finally:
        con.close()
    return sum(not (root / p).exists() for (p,) in paths)  # root / absolute = absolute


def restore(
    source: Path,
    workspace_root: Path,
    *,
    sealed: Path | None = None,
    passphrase: str | None = None,
    key_out: Path | None = None,
) -> RestoreResult:
    """Restore the backup in `source` into the empty folder `workspace_root` (checked first)."""
    source, root = Path(source).resolve(), Path(workspace_root).resolve()
    if root.exists() and any(root.iterdir()):
        raise WorkspaceNotEmpty(str(root))
    manifest = verify(source)
    key = None
    if sealed is not None:
        key = sealed_key.unseal(sealed, passphrase or "")
        expected = manifest["key"]["fingerprint"]
        if expected is not None and sealed_key.fingerprint(key) != expected:
            raise KeyMismatch(str(sealed))
    private_folder(root)
    restored_db = None
    config_dir = None
    for entry in manifest["files"]:
        part, _, rest = entry["path"].partition("/")
        if part == "config":
            config_dir = root / "config"
            dest = config_dir / rest
        elif rest == WAREHOUSE:
            restored_db = dest = root / "warehouse.restore.duckdb"
        else:
            dest = root / rest
        copy_private(source / entry["path"], dest, int(entry["mode"], 8) or 0o600)
    rewritten = missing = 0
    if restored_db is not None:
        rewritten = _rewrite_archive_paths(restored_db, root)
        os.replace(restored_db, root / WAREHOUSE)
        missing = _missing_archive_files(root / WAREHOUSE, root)
    key_file = None
    if key is not None:
        key_file = Path(key_out) if key_out is not None else root / DEMO_KEY_FILE
        private_folder(key_file.parent)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key + b"\n")
    return RestoreResult(root, len(manifest["files"]), rewritten, missing, config_dir, key_file)
