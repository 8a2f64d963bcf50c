"""A backup of a real workspace (nightly runs, accounts) restored into an empty folder is the same
workspace; a damaged backup is refused; a purge in a restored copy never touches the original.

Here rather than in tests/warehouse/ because it backs up the portal workspace of this folder's
conftest (warehouse/backup.py; without a nightly run: tests/warehouse/test_backup.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from rules.schema import default_ruleset
from signals.pseudonymise import DEMO_KEY_FILE, pseudonym_key
from signals.registry import config_dir
from signals.retention import RetentionConfig, purge_expired, retention, sweep_files
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import OWN_TEAM, pristine_copy
from warehouse.backup import backup
from warehouse.restore import DamagedBackup, restore
from warehouse.sealed_key import unseal
from warehouse.store import read_only, working_copy
from warehouse.workspace import Workspace

pytestmark = pytest.mark.flow

PASSPHRASE = "een lange wachtwoordzin voor de test"


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _portal_rows(db: Path) -> dict[str, list]:
    con = sqlite3.connect(db)
    try:
        tables = [t for (t,) in con.execute("select name from sqlite_master where type = 'table'")]
        return {t: sorted(con.execute(f'select * from "{t}"').fetchall(), key=repr) for t in tables}  # noqa: S608
    finally:
        con.close()


def _list_entries(db: Path) -> list:
    with read_only(db) as con:
        return con.execute("select * from fct_list_entry order by all").fetchall()


@pytest.fixture(scope="module")
def round_trip(portal_workspace, tmp_path_factory):
    """(original, backup folder, sealed key, restored workspace)."""
    original = pristine_copy(portal_workspace, tmp_path_factory, "backup-original")
    # archive paths are relative to the workspace (migration 0024): the copy is a workspace of its own
    # The portal state as a team leaves it: registrations, a note, audit lines (the pristine has none).
    from portal import state

    portal = state.open_state(original / "portal.sqlite")
    state.add_contact_attempt(
        portal,
        wijkteam=OWN_TEAM,
        household_id=portal_workspace.household,
        address_key="test-address",
        contact_date=TINY_AS_OF,
        soort="huisbezoek",
        is_reached=True,
        dagdeel="ochtend",
        registered_by="coord-own",
        note="Een notitie van de coördinator.",
    )
    state.audit(portal, "registratie", username="coord-own", role="coordinator", team_code=OWN_TEAM)
    portal.close()  # the WAL stays behind (not checkpointed): the backup API must take it in
    # A demo key file in the workspace: it must stay out of the backup.
    (original / DEMO_KEY_FILE).write_text(os.environ["VROEG_PSEUDONYM_KEY"] + "\n", encoding="utf-8")
    base = tmp_path_factory.mktemp("backups")
    result = backup(
        Workspace(original),
        base / "target",
        config_dir(),
        keep=2,
        key=pseudonym_key(original),
        key_target=base / "keys",
        passphrase=PASSPHRASE,
    )
    restored = restore(result.folder, base / "restored", sealed=result.key_file, passphrase=PASSPHRASE)
    return original, result.folder, result.key_file, restored


def test_the_restored_workspace_has_the_same_lists_and_portal_state(round_trip):
    original, _, _, restored = round_trip
    root = restored.workspace
    assert _hashes(root / "lists") == _hashes(original / "lists") != {}
    assert _hashes(root / "archive") == _hashes(original / "archive") != {}
    assert _list_entries(root / "warehouse.duckdb") == _list_entries(original / "warehouse.duckdb")
    rows = _portal_rows(original / "portal.sqlite")
    assert rows["account"] and rows["audit_log"] and rows["contact_attempt"] and rows["contact_note"]
    assert _portal_rows(root / "portal.sqlite") == rows
    # every archive path is relative to the workspace, and its file is there in the restored one
    with read_only(root / "warehouse.duckdb") as con:
        paths = con.execute("select archive_path, archive_purged_at is null from raw_delivery").fetchall()
    assert paths and not any(Path(p).is_absolute() for p, _ in paths)
    assert all((root / p).exists() for p, kept in paths if kept)
    assert restored.archive_files_missing == 0


def test_the_key_is_sealed_apart_and_restored_only_with_its_passphrase(round_trip):
    original, folder, sealed, restored = round_trip
    key = pseudonym_key(original)
    assert not sealed.is_relative_to(folder)
    assert not (folder / "workspace" / DEMO_KEY_FILE).exists()
    for file in folder.rglob("*"):
        if file.is_file():
            assert key not in file.read_bytes(), file
    assert unseal(sealed, PASSPHRASE) == key
    assert restored.key_file.read_bytes().strip() == key


def test_a_backup_with_one_byte_changed_is_refused_naming_the_file(round_trip, tmp_path):
    _, folder, _, _ = round_trip
    damaged = tmp_path / folder.name
    shutil.copytree(folder, damaged)
    victim = sorted((damaged / "workspace" / "lists").rglob("*.csv"))[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    name = victim.relative_to(damaged).as_posix()
    with pytest.raises(DamagedBackup) as refused:
        restore(damaged, tmp_path / "a")
    assert (refused.value.file, refused.value.problem) == (name, "checksum")
    assert not (tmp_path / "a").exists()
    result = CliRunner().invoke(
        app, ["restore", "--source", str(damaged), "--workspace", str(tmp_path / "b")]
    )
    assert result.exit_code == 1
    assert "Back-up beschadigd, niets hersteld" in result.output
    assert victim.name in result.output.replace("\n", "")
    assert not (tmp_path / "b").exists()


def test_a_purge_in_the_restored_copy_leaves_the_original_untouched(round_trip):
    original, _, _, restored = round_trip
    before = _hashes(original / "archive")
    root = restored.workspace
    # terms short enough that whole deliveries expire in the tiny region
    config = RetentionConfig.model_validate(
        {
            **retention().model_dump(),
            "signals": {f: {**t.model_dump(), "months": 1} for f, t in retention().signals.items()},
            "quarantine_months": 1,
            "lists_months": 1,
        }
    )
    with working_copy(root / "warehouse.duckdb") as working:
        con = duckdb.connect(str(working))
        try:
            purge_expired(con, TINY_AS_OF, config, default_ruleset())
        finally:
            con.close()
    with read_only(root / "warehouse.duckdb") as con:
        swept = sweep_files(con, TINY_AS_OF, config, root / "reports", root / "lists", root)
    assert swept.archive_files > 0
    assert len(_hashes(root / "archive")) == len(before) - swept.archive_files
    assert _hashes(original / "archive") == before
