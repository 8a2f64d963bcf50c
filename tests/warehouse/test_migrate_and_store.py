import os
import subprocess
import sys
import textwrap

import duckdb
import pytest

from warehouse.migrate import migrate, migration_files
from warehouse.store import WarehouseBusy, read_only, working_copy, write_session


def test_migrations_are_numbered_and_apply_once(tmp_path):
    versions = [v for v, _, _ in migration_files()]
    assert versions == sorted(versions) and versions[0] == 1
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert len(migrate(con)) == len(versions)
    assert migrate(con) == []
    con.execute("update meta_schema_migration set sha256 = 'x' where version = 1")
    with pytest.raises(RuntimeError, match="changed after it was applied"):
        migrate(con)


def test_failed_write_leaves_the_live_file_untouched(tmp_path):
    db = tmp_path / "w.duckdb"
    with write_session(db) as con:
        con.execute("create table t as select 1 as x")
    with pytest.raises(ZeroDivisionError), write_session(db) as con:
        con.execute("insert into t values (2)")
        1 / 0  # noqa: B018
    with read_only(db) as con:
        assert con.execute("select count(*) from t").fetchall()[0][0] == 1
    assert not (tmp_path / "w.next.duckdb").exists()


def test_second_writer_is_refused_while_readers_keep_reading(tmp_path):
    db = tmp_path / "w.duckdb"
    with write_session(db) as con:
        con.execute("create table t as select 1 as x")
    with working_copy(db):
        with pytest.raises(WarehouseBusy), working_copy(db):
            pass
        # A reader in another process opens the live file while the writer works on its copy.
        code = textwrap.dedent("""
            import sys, duckdb
            con = duckdb.connect(sys.argv[1], read_only=True)
            print(con.execute('select count(*) from t').fetchall()[0][0])
        """)
        out = subprocess.run(
            [sys.executable, "-c", code, str(db)], capture_output=True, text=True, env=os.environ
        )
        assert out.stdout.strip() == "1", out.stderr


def test_archive_paths_under_a_workspace_become_relative_to_it(tmp_path):
    """Migration 0024: an absolute archive path in the intake's layout becomes workspace-relative;
    any other path is left as it is (the purge never deletes outside its workspace)."""
    sha = "ab" + "0" * 62
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    for delivery_id, path in [
        (sha, f"/srv/vroeg/ws/archive/ab/{sha}.csv"),
        ("other", "/elsewhere/some file.csv"),
        ("relative", f"archive/ab/{sha}.xlsx"),
    ]:
        con.execute(
            "insert into raw_delivery (delivery_id, supplier_code, feed, channel, original_name,"
            " received_at, received_date, byte_size, archive_path, status, rows_read, rows_loaded,"
            " rows_quarantined, loaded_at) values (?, 's', 'f', 'cli', 'n', now(), current_date, 1, ?,"
            " 'geaccepteerd', 0, 0, 0, now())",
            [delivery_id, path],
        )
    (version,) = [v for v, name, _ in migration_files() if name.startswith("0024_")]
    con.execute("delete from meta_schema_migration where version = ?", [version])
    assert migrate(con) == ["0024_workspace_relative_archive_paths.sql"]
    paths = dict(con.execute("select delivery_id, archive_path from raw_delivery").fetchall())
    assert paths == {
        sha: f"archive/ab/{sha}.csv",
        "other": "/elsewhere/some file.csv",
        "relative": f"archive/ab/{sha}.xlsx",
    }


def test_the_swap_flushes_the_copy_and_its_folder_before_the_rename(tmp_path, monkeypatch):
    """A power cut right after the swap finds the new file whole: it was fsynced, with its folder,
    before the rename (and the folder after it)."""
    from warehouse import store

    calls = []
    monkeypatch.setattr(store, "fsync_file", lambda p: calls.append(("file", p.name)))
    monkeypatch.setattr(store, "fsync_dir", lambda p: calls.append(("dir", p.name)))
    real_replace = os.replace
    monkeypatch.setattr(store.os, "replace", lambda a, b: (calls.append(("rename",)), real_replace(a, b)))
    with write_session(tmp_path / "w.duckdb") as con:
        con.execute("create table t as select 1 as x")
    assert calls == [("file", "w.next.duckdb"), ("dir", tmp_path.name), ("rename",), ("dir", tmp_path.name)]
