"""The benchmark suite runs end to end at a tiny scale, and its PostgreSQL translation of the
feature build gives the same rows as DuckDB. No timing is asserted (figures go in BENCHMARKS.md)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bench.world import SCALES, Scale, build_world, world_counts


@pytest.fixture(scope="module")
def bench_cache(tmp_path_factory, monkeypatch_module):
    # the bench command sets its own key and code version in the process environment (it is a
    # command of its own); recorded here so the module's end restores the test session's values
    from bench.world import BENCH_KEY

    monkeypatch_module.setenv("VROEG_PSEUDONYM_KEY", BENCH_KEY)
    monkeypatch_module.setenv("VROEG_CODE_VERSION", "bench")
    cache = tmp_path_factory.mktemp("bench-cache")
    monkeypatch_module.setattr("bench.world.CACHE", cache)
    monkeypatch_module.setattr("bench.__main__.CACHE", cache)
    monkeypatch_module.setattr("bench.nightly.CACHE", cache)
    return cache


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_replicas_are_disjoint_copies_of_the_template(bench_cache):
    one = world_counts(build_world(Scale("tiny-1", 300, 8, 1)))
    three = world_counts(build_world(Scale("tiny-3", 300, 8, 3)))
    for key in ("addresses", "households_reference", "corporation_homes", "wijkteams", "signal_rows"):
        assert three[key] == 3 * one[key], key
    assert one["signal_rows"] > 0


def test_bench_run_tiny_end_to_end(bench_cache, tmp_path):
    from bench.__main__ import main

    out = tmp_path / "results"
    assert (
        main(
            [
                "run",
                "--scale",
                "tiny",
                "--out",
                str(out),
                "--no-markdown",
                "--no-nightly",
                "--no-postgres",
                "--intake-rows",
                "2000",
                "--portal-seconds",
                "1",
                "--portal-clients",
                "4",
            ]
        )
        == 0
    )
    result = json.loads((out / "tiny.json").read_text())
    stages = result["stages"]
    assert set(stages) == {
        "scan_floor",
        "linking_from_scratch",
        "features",
        "rules",
        "scoring",
        "lists_build",
        "lists_export",
        "indicators",
    }
    assert stages["features"]["rows_out"] == result["households_with_features"] > 0
    # the night links only the last day's deliveries again, on top of last night's table
    assert 0 < stages["features"]["rows_linked_tonight"] < stages["linking_from_scratch"]["rows_out"]
    assert stages["lists_export"]["rows_out"] == stages["lists_build"]["rows_out"] > 0
    assert all(s["seconds"] > 0 and s["peak_rss_mb"] > 0 for s in stages.values())
    assert result["world"]["replicas_of_template"] == SCALES["tiny"].replicas
    assert result["intake"]["rows"] == 2_000
    for page in ("list_page", "household_page"):
        assert result["portal"][page]["requests"] > 0
        assert result["portal"][page]["errors"] == 0
    assert {t["target"] for t in result["targets"]} >= {"feature build / DuckDB scan floor", "intake rows/s"}


def test_postgres_feature_build_gives_the_same_rows_as_duckdb(bench_cache, tmp_path):
    pytest.importorskip("psycopg")
    import shutil

    from bench import postgres
    from bench.stages import TABLES_READ_BY_FEATURES
    from rules.schema import default_ruleset
    from signals.features import build_features, link_signals
    from warehouse.store import connect

    if not (postgres.PG_BIN / "postgres").exists():
        pytest.skip(
            f"no PostgreSQL 15 server in {postgres.PG_BIN} (the bench command installs it; tests do not)"
        )
    db = tmp_path / "w.duckdb"
    shutil.copyfile(build_world(SCALES["tiny"]), db)
    as_of = date(2026, 10, 31)
    parameters = default_ruleset().features.model_dump(mode="json")
    con = connect(db)
    try:
        link_signals(con)
        households = build_features(con, as_of, parameters)
        # the comparison means something: the features that differ between engines are filled in
        filled = con.execute(
            """select count(arrears_eur), count(water_stage), count(eviction_stage),
                      count(last_contact_date), count(*) filter (where has_moved),
                      count(*) filter (where nuisance_reports_long_window > 0)
               from int_household__features where as_of_date = ?""",
            [as_of],
        ).fetchall()[0]
    finally:
        con.close()
    assert households > 0
    assert all(n > 0 for n in filled[:4]) and filled[5] > 0
    measured = postgres.measure(db, as_of, parameters, TABLES_READ_BY_FEATURES)
    assert measured["households"] == households
    assert measured["differences"] == []


def test_differences_notices_a_changed_value():
    import polars as pl

    from bench.postgres import differences

    a = pl.DataFrame({"household_id": ["a", "b"], "arrears_eur": [1.5, 2.0], "stage": ["x", None]})
    assert differences(a, a.reverse()) == []
    assert differences(a, a.with_columns(stage=pl.lit("x"))) == ["stage"]
    assert differences(a, a.head(1)) == ["rows: duckdb 2, postgres 1"]
