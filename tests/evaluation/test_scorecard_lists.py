"""The scorecard on a mid-sized synthetic region: temporal evaluation, scored lists, reproducibility.

Runs the library functions the nightly flow wires together (no Prefect: the flow itself is tested
in tests/flows); the region is generated once per session.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from evaluation.train import publish, train_and_evaluate
from lists.build import build_lists
from rules.engine import apply_rules
from rules.schema import default_ruleset
from rules.scorecard import bin_indices, load_spec
from rules.scoring import current_scorecard, score_households
from signals.addresses import load_reference
from signals.features import build_features, link_signals
from signals.intake import discover_inbox, ingest_files
from signals.pseudonymise import pseudonym_key
from signals.registrations import load_registrations
from signals.registry import teams
from warehouse.store import write_session

AS_OF = date(2026, 10, 31)
EARLIER = date(2026, 9, 30)


def _list(con: duckdb.DuckDBPyConnection, as_of: date, models) -> None:
    ruleset = default_ruleset()
    build_features(con, as_of, ruleset.features.model_dump(mode="json"))
    apply_rules(con, ruleset, as_of)
    score_households(con, as_of, current_scorecard(models))
    build_lists(con, as_of, ruleset, teams(), "test-run", "test")


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    from synthetic import generate_region

    root = tmp_path_factory.mktemp("mid-region")
    generate_region(root, households=24_000, seed=11, months=30, end_date=AS_OF)
    db = root / "warehouse.duckdb"
    with write_session(db) as con:
        load_reference(con, root / "reference")
        ingest_files(con, discover_inbox(root / "inbox"), root / "archive", pseudonym_key())
        load_registrations(con, root / "registraties")
        link_signals(con)
        evaluation = train_and_evaluate(con, root / "ground_truth")
    publish(evaluation, root / "models")
    with write_session(db) as con:
        _list(con, EARLIER, root / "models")
        _list(con, AS_OF, root / "models")
        first = con.sql(
            "select * from fct_list_entry where as_of_date = ? order by all", params=[EARLIER]
        ).pl()
        _list(con, EARLIER, root / "models")  # rebuild a past date after a later one
        again = con.sql(
            "select * from fct_list_entry where as_of_date = ? order by all", params=[EARLIER]
        ).pl()
    return root, evaluation, first, again


def test_scorecard_beats_both_simple_baselines_at_team_capacity(region):
    _, evaluation, _, _ = region
    recall = dict(evaluation.capacity.select("ordering", "recall").iter_rows())
    assert evaluation.test_positives >= 10
    ours = recall["lijst (tier, dan scorekaart)"]
    assert ours > recall["alleen regels (tier, regelpunten)"]
    assert ours > recall["alleen huurachterstand (bedrag)"]
    assert "plafond: latente kans (generator)" in recall


def test_model_card_has_the_algoritmeregister_fields_and_the_audit(region):
    root, _, _, _ = region
    text = (root / "models" / "model_card.md").read_text(encoding="utf-8")
    for field in (
        "**Doel**",
        "**Wettelijke grondslag**",
        "**Gegevens**",
        "**Menselijke tussenkomst**",
        "**Risico's**",
        "**Contact**",
        "Evaluatie",
        "Bias-audit",
        "Per wijk",
        "Per leeftijdsklasse hoofd huishouden",
        "Per type huishouden",
    ):
        assert field in text


def test_every_entrys_points_add_up_to_its_score_and_match_its_bins(region):
    root, _, _, _ = region
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        entries = con.sql("select * from fct_list_entry where as_of_date = ?", params=[AS_OF]).pl()
        features = con.sql("select * from int_household__features where as_of_date = ?", params=[AS_OF]).pl()
    finally:
        con.close()
    assert entries.height > 100 and entries["model_version"].str.starts_with(load_spec().version).all()
    sums = entries.select(pl.col("score_points").list.eval(pl.element().struct.field("points")).list.sum())
    assert (sums.to_series() == entries["score"]).all()
    card = current_scorecard(root / "models")
    bins = bin_indices(features, load_spec()).with_columns(features["household_id"])
    expected = {
        (row["household_id"], name): card.labels[name][row[name]]
        for row in bins.iter_rows(named=True)
        for name in card.points
    }
    for household, points in entries.select("household_id", "score_points").iter_rows():
        for part in points:
            assert expected[(household, part["feature"])] == part["bin"]
    # A reason is a signal the household has, with its points: never a 0-point bin ("no such
    # signal" is 0 points). A household whose signals earn no points either way shows its rules.
    earns = entries["score_points"].list.eval(pl.element().struct.field("points") != 0).list.any()
    with_points, without = entries.filter(earns), entries.filter(~earns)
    assert with_points.height > 0 and without.height > 0
    assert (
        with_points["reasons_nl"]
        .list.eval(pl.element().str.contains(r"\((\+|-)\d+ punt(en)?\)$"))
        .list.all()
        .all()
    )
    assert (without["reasons_nl"] == without["rule_reasons_nl"].list.head(3)).all()
    assert entries["reasons_nl"].list.len().min() >= 1


def test_rebuilding_a_past_as_of_date_gives_the_same_list(region):
    _, _, first, again = region
    assert first.height > 0
    assert first.equals(again)
