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
