"""Backups without a nightly run: retention of backups, refusals, the sealed key (warehouse/backup.py).

The round trip of a real workspace is in tests/portal/test_backup_restore.py."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warehouse.backup import backup, backups
from warehouse.restore import WorkspaceNotEmpty, restore
from warehouse.sealed_key import WrongPassphrase, seal, unseal
from warehouse.workspace import Workspace

PASSPHRASE = "een lange wachtwoordzin"
KEY = b"test-key-not-for-production-0001"


def _workspace(root: Path) -> Workspace:
    (root / "lists" / "2026-10-31").mkdir(parents=True)
    (root / "lists" / "2026-10-31" / "team.csv").write_text("rank;household_id\n1;abc\n", encoding="utf-8")
    con = sqlite3.connect(root / "portal.sqlite")
    con.execute("pragma journal_mode = wal")
    con.execute("create table account (username text)")
    con.execute("insert into account values ('admin')")
    con.commit()
    con.close()
    return Workspace(root)


def _config(root: Path) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "config" / "retention.yaml").write_text("version: x\n", encoding="utf-8")
    return root / "config"


def test_backups_beyond_the_term_are_removed_with_their_sealed_keys(tmp_path):
    ws, config = _workspace(tmp_path / "ws"), _config(tmp_path)
    target, keys = tmp_path / "backups", tmp_path / "keys"
    made = []
    for day in (1, 2, 3):
        result = backup(
            ws,
            target,
            config,
            keep=2,
            key=KEY,
            key_target=keys,
            passphrase=PASSPHRASE,
            now=datetime(2026, 12, day, 2, 0, tzinfo=UTC),
        )
        made.append(result)
    assert [b.name for b in backups(target)] == [made[1].folder.name, made[2].folder.name]
    assert made[2].removed == [made[0].folder.name]
    assert sorted(p.name for p in keys.iterdir()) == [f"{m.folder.name}.key.sealed" for m in made[1:]]
    for path in [made[2].folder, *made[2].folder.rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path


def test_the_sealed_key_opens_only_with_its_passphrase(tmp_path):
    sealed = seal(KEY, PASSPHRASE, tmp_path / "k.sealed")
    assert KEY not in sealed.read_bytes()
    assert unseal(sealed, PASSPHRASE) == KEY
    with pytest.raises(WrongPassphrase):
        unseal(sealed, PASSPHRASE + "!")


def test_a_key_target_inside_the_backups_and_a_target_inside_the_workspace_are_refused(tmp_path):
    ws, config = _workspace(tmp_path / "ws"), _config(tmp_path)
    with pytest.raises(ValueError, match="apart"):
        backup(
            ws,
            tmp_path / "b",
            config,
            keep=1,
            key=KEY,
            key_target=tmp_path / "b" / "k",
            passphrase=PASSPHRASE,
        )
    with pytest.raises(ValueError, match="outside the workspace"):
        backup(ws, tmp_path / "ws" / "b", config, keep=1)


def test_restore_refuses_a_folder_that_is_not_empty(tmp_path):
    ws, config = _workspace(tmp_path / "ws"), _config(tmp_path)
    folder = backup(ws, tmp_path / "b", config, keep=1).folder
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "warehouse.duckdb").write_bytes(b"")
    with pytest.raises(WorkspaceNotEmpty):
        restore(folder, occupied)
    restored = restore(folder, tmp_path / "empty")
    assert (restored.workspace / "lists" / "2026-10-31" / "team.csv").read_bytes() == (
        ws.lists / "2026-10-31" / "team.csv"
    ).read_bytes()
    con = sqlite3.connect(restored.workspace / "portal.sqlite")
    assert con.execute("select username from account").fetchall() == [("admin",)]
    con.close()
