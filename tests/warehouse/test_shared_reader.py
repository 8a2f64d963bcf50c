"""The portal's shared read-only connections: one open database per version of the live file; a
swap-in is seen by the next reader, and the old version stays readable until its last cursor ends."""

from __future__ import annotations

import os

import duckdb
import pytest

from warehouse.store import SharedReader


def _make(path, value: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("create table t as select ? as v", [value])
    con.close()


def _value(cursor) -> int:
    return cursor.execute("select v from t").fetchall()[0][0]


def test_each_version_is_read_until_the_next_is_swapped_in(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    _make(db, 1)
    reader = SharedReader()
    with reader.cursor(db) as cursor:
        assert _value(cursor) == 1
        assert cursor.execute("select current_setting('TimeZone')").fetchall()[0][0] == "UTC"
    with reader.cursor(db) as held:  # a request still reading the old version
        old = reader._open[str(db)]
        swapped = tmp_path / "warehouse.next.duckdb"
        _make(swapped, 2)
        os.replace(swapped, db)
        with reader.cursor(db) as cursor:
            assert _value(cursor) == 2
        assert _value(held) == 1, "the old version stays readable for the cursor that had it"
    with pytest.raises(duckdb.ConnectionException):
        old.con.execute("select 1")  # closed with its last cursor
    with reader.cursor(db) as cursor:
        assert _value(cursor) == 2
    assert list(reader._open) == [str(db)] and reader._open[str(db)].users == 0
