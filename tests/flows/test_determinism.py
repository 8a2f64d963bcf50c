"""The same data gives the same features, whatever DuckDB's parallelism makes of ties.

A household with two signals on the same dates (two contracts, two rows of one delivery) once got
whichever row DuckDB's window happened to rank first; the small test regions have no such ties, the
demo region has. Built here at several as-of dates with 1 and with 4 threads, on copies of the
demo warehouse: every feature row must be identical.
"""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from rules.schema import default_ruleset
from signals.features import build_features

pytestmark = pytest.mark.flow

AS_OF_DATES = [date(2025, 3, 31), date(2025, 12, 31), date(2026, 10, 31)]


def _features(warehouse, threads: int) -> list[tuple]:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"set threads = {threads}")
        parameters = default_ruleset().features.model_dump(mode="json")
        rows = []
        for as_of in AS_OF_DATES:
            build_features(con, as_of, parameters)
            rows += con.execute(
                "select * from int_household__features where as_of_date = ? order by household_id", [as_of]
            ).fetchall()
        return rows
    finally:
        con.close()


def test_features_are_the_same_with_one_and_with_four_threads(demo_run, tmp_path):
    _, workspace = demo_run
    one, four = tmp_path / "one.duckdb", tmp_path / "four.duckdb"
    shutil.copyfile(workspace / "warehouse.duckdb", one)
    shutil.copyfile(workspace / "warehouse.duckdb", four)
    first, second = _features(one, 1), _features(four, 4)
    assert len(first) > 10_000
    assert first == second
