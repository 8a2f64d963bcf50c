"""Champion and challenger on a mid-sized synthetic region: snapshots, the decision, the model card,
scored lists, reproducibility.

Runs the library functions the nightly flow wires together (no Prefect: the flow itself is tested
in tests/flows); the region is generated once per module. Effectiveness figures are not asserted
here (they are in EVALUATION.md and the model card, produced by one command each); what is asserted
is that the figures are consistent and that the decision follows them.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb
import polars as pl
import pytest

from evaluation.publish import publish
from evaluation.snapshots import record_snapshots
from evaluation.train import train_and_decide
from lists.build import build_lists
from rules.engine import apply_rules
from rules.schema import default_ruleset
from rules.scorecard import bin_indices, load_spec
from rules.scoring import live_scorecard, score_households, scored_features_sql
from signals.addresses import load_reference
from signals.features import build_features, link_signals
from signals.intake import ingest_files
from signals.pseudonymise import pseudonym_key
from signals.registrations import load_registrations
from signals.registry import teams
from tests.conftest import history_files
from warehouse.store import read_only, write_session

AS_OF = date(2026, 10, 31)
EARLIER = date(2026, 9, 30)


def _list(con: duckdb.DuckDBPyConnection, as_of: date, models) -> None:
    ruleset = default_ruleset()
    build_features(con, as_of, ruleset.features.model_dump(mode="json"))
    apply_rules(con, ruleset, as_of)
    score_households(con, as_of, live_scorecard(models).card)
    build_lists(con, as_of, ruleset, teams(), "test-run", "test")


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    from synthetic import generate_region

    root = tmp_path_factory.mktemp("mid-region")
    generate_region(root, households=24_000, seed=11, months=30, end_date=AS_OF)
    db = root / "warehouse.duckdb"
    with write_session(db) as con:
        load_reference(con, root / "reference")
        ingest_files(con, history_files(root / "inbox", AS_OF), root / "archive", pseudonym_key())
        load_registrations(con, root / "registraties")
        link_signals(con)
        recorded = record_snapshots(con, AS_OF, default_ruleset(), load_spec())
    with read_only(db) as con:
        training = train_and_decide(con, root / "ground_truth", AS_OF)
    publish(training, root / "models")
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
    return root, recorded, training, first, again


def test_every_month_end_of_the_history_is_recorded_and_labelled_once_its_horizon_passed(region):
    root, recorded, training, _, _ = region
    spec = load_spec()
    with read_only(root / "warehouse.duckdb") as con:
        dates = con.execute(
            "select as_of_date, count(*), count(label) from mart_training_snapshot group by 1 order by 1"
        ).fetchall()
    assert recorded["snapshots"] == len(dates) >= 24
    for day, rows, labelled in dates:
        matured = (AS_OF - day).days >= spec.label_horizon_days + spec.training.label_grace_days
        assert labelled == (rows if matured else 0), day
    assert training.snapshot_rows == sum(rows for _, rows, labelled in dates if labelled)


def test_the_decision_follows_the_backtest_and_the_live_file_follows_the_decision(region):
    root, _, training, _, _ = region
    lane = {r["candidate"]: r for r in training.backtest.lane.iter_rows(named=True)}
    margin = load_spec().training.promotion_margin
    gained = 100 * (lane["challenger"]["recall"] - lane["prior"]["recall"])
    assert training.decision.promoted == (gained >= margin and lane["challenger"]["escalations_found"] > 0)
    live = live_scorecard(root / "models").card
    assert live.version == training.live.version
    assert live.kind == ("fitted" if training.decision.promoted else "prior")
    # the list ranks by the live procedure: its figures are that candidate's
    assert lane["live"]["recall"] == lane["challenger" if training.decision.promoted else "prior"]["recall"]
    for row in lane.values():
        assert 0 <= row["escalations_found"] <= row["escalations"]
        assert 0 <= row["early_warning_found"] <= row["early_warnings"] <= row["escalations"]


def test_model_card_has_the_algoritmeregister_fields_the_decision_and_the_backtest(region):
    root, _, training, _, _ = region
    text = (root / "models" / "model_card.md").read_text(encoding="utf-8")
    for field in (
        "Welke scorekaart is live, en waarom",
        training.decision.reason_nl,
        "**Doel**",
        "**Wettelijke grondslag**",
        "**Gegevens**",
        "**Menselijke tussenkomst**",
        "**Risico's**",
        "**Contact**",
        "Baan Vroeg erop af bij teamcapaciteit",
        "De hele lijst, even groot als boven de lijn",
        "plafond: latente kans",
        "datalimiet",
        "Bias-audit",
        "Per wijk",
        "Per leeftijdsklasse hoofd huishouden",
        "Per type huishouden",
    ):
        assert field in text, field
    assert (root / "models" / "backtest.svg").read_text(encoding="utf-8").startswith("<?xml")
    # Dutch numbers: decimal commas (a point only groups thousands: "1.696")
    backtest = text.split("## Backtest")[1].split("## Kalibratie")[0]
    assert re.search(r"\d,\d", backtest) and not re.search(r"\b\d+\.\d{1,2}\b", backtest)


def test_every_entrys_points_add_up_to_its_score_and_match_its_bins(region):
    root, _, _, _, _ = region
    spec = load_spec()
    with read_only(root / "warehouse.duckdb") as con:
        entries = con.sql("select * from fct_list_entry where as_of_date = ?", params=[AS_OF]).pl()
        sql, params = scored_features_sql(spec)
        features = con.sql(sql, params={**params, "as_of": AS_OF}).pl()
    card = live_scorecard(root / "models").card
    assert entries.height > 100 and (entries["model_version"] == card.version).all()
    sums = entries.select(pl.col("score_points").list.eval(pl.element().struct.field("points")).list.sum())
    assert (sums.to_series() == entries["score"]).all()
    bins = bin_indices(features, spec).with_columns(features["household_id"])
    expected = {
        (row["household_id"], name): card.labels[name][row[name]]
        for row in bins.iter_rows(named=True)
        for name in card.points
    }
    for household, points in entries.select("household_id", "score_points").iter_rows():
        for part in points:
            assert expected[(household, part["feature"])] == part["bin"]
    # a reason is a signal the household has that raises its score: never a 0 or negative bin
    scored = entries.filter(pl.col("lane") == "vroeg_erop_af")
    assert scored["reasons_nl"].list.eval(~pl.element().str.contains(r"\((-\d+|\+0) punt")).list.all().all()


def test_rebuilding_a_past_as_of_date_gives_the_same_list(region):
    _, _, _, first, again = region
    assert first.height > 0
    assert first.equals(again)


# --- the backtest's figures against an independent computation in plain polars -------------------


def _expected_found(frame: pl.DataFrame, score: str, capacity: str, positive: str) -> tuple[int, float]:
    """Recall arithmetic written apart from evaluation/metrics.py: per team and month-end, walk the
    households from the highest score down in blocks of equal score; a block that crosses the line
    contributes its share of the free places times its positives."""
    selected = found = 0.0
    for (_, _), group in frame.group_by("as_of_date", "wijkteam"):
        room = int(group[capacity][0])
        blocks = (
            group.group_by(score)
            .agg(pl.len().alias("n"), pl.col(positive).sum().alias("p"))
            .sort(score, descending=True)
        )
        for n, p in blocks.select("n", "p").iter_rows():
            take = min(n, max(room, 0))
            selected += take
            found += p * take / n
            room -= n
    return int(selected), found


def test_the_backtests_figures_equal_an_independent_computation(region):
    from evaluation.backtest import run_backtest
    from rules.lanes import default_lanes
    from rules.scorecard import load_prior
    from signals.registry import teams as team_config

    root, _, _, _, _ = region
    spec, ruleset = load_spec(), default_ruleset()
    with read_only(root / "warehouse.duckdb") as con:
        backtest = run_backtest(
            con, spec, ruleset, default_lanes(), team_config(), load_prior(), first=date(2025, 6, 1)
        )
        snaps = con.sql(
            "select * from mart_training_snapshot where label is not null and as_of_date >= '2025-06-01'"
        ).pl()
        outcomes = con.sql(
            "select address_key, stage, stage_date from stg_ontruiming "
            "where stage in ('aanzegging', 'ontruiming_gepland', 'ontruiming_uitgevoerd')"
        ).pl()
    # labels again, from the staged procedure rows: a label stage at the address within 182 days
    relabelled = (
        snaps.select("as_of_date", "household_id", "address_key")
        .join(outcomes, on="address_key", how="left")
        .group_by("as_of_date", "household_id")
        .agg(
            (
                (pl.col("stage_date") > pl.col("as_of_date"))
                & (pl.col("stage_date") <= pl.col("as_of_date") + pl.duration(days=spec.label_horizon_days))
            )
            .any()
            .alias("again")
        )
    )
    checked = snaps.join(relabelled, on=["as_of_date", "household_id"])
    assert (checked["label"] == checked["again"].fill_null(False)).all()
    # lanes again, from PRODUCT.md's acute situations and the features (not the rules engine)
    acute = (
        (
            (pl.col("eviction_stage") == "ontruiming_gepland")
            & pl.col("days_until_planned_eviction").is_between(0, 56)
        )
        | pl.col("water_stage").is_in(["afsluiting_gepland", "afgesloten"])
        | pl.col("ggd_crisis_date").is_not_null()
        | pl.col("financial_crisis_date").is_not_null()
    ).fill_null(False)
    capacity = pl.DataFrame(
        {
            "wijkteam": [t.code for t in team_config().teams],
            "cap": [t.capacity_per_week for t in team_config().teams],
        }
    )
    frame = (
        snaps.with_columns(
            acute.alias("acute"),
            (
                pl.col("label")
                & ~pl.col("eviction_stage")
                .is_in(["dagvaarding", "vonnis", "aanzegging", "ontruiming_gepland"])
                .fill_null(False)
            ).alias("early"),
            (
                pl.col("eviction_stage")
                .replace_strict(
                    {"dagvaarding": 1, "vonnis": 2, "aanzegging": 3, "ontruiming_gepland": 4}, default=0
                )
                .cast(pl.Float64)
                * 1e7
                + pl.col("last_arrears_eur").cast(pl.Float64).fill_null(0)
            ).alias("stage_then_arrears"),
            pl.col("last_arrears_eur").cast(pl.Float64).fill_null(0).alias("arrears"),
        )
        .join(capacity, on="wijkteam", how="left")
        .with_columns(pl.col("cap").fill_null(team_config().default_capacity_per_week))
        .with_columns(
            (pl.col("acute").sum().over("as_of_date", "wijkteam") + pl.col("cap")).alias("whole_cap")
        )
    )
    assert frame.height == backtest.scored.height
    lane = frame.filter(~pl.col("acute"))
    reported = {row["candidate"]: row for row in backtest.lane.iter_rows(named=True)}
    for key, column in (("stage_arrears", "stage_then_arrears"), ("arrears", "arrears")):
        selected, found = _expected_found(lane, column, "cap", "label")
        _, early = _expected_found(lane, column, "cap", "early")
        assert reported[key]["selected"] == selected
        assert reported[key]["escalations"] == lane["label"].sum()
        assert abs(reported[key]["escalations_found"] - found) < 1e-9, key
        assert abs(reported[key]["early_warning_found"] - early) < 1e-9, key
    whole = {row["candidate"]: row for row in backtest.whole.iter_rows(named=True)}
    selected, found = _expected_found(frame, "stage_then_arrears", "whole_cap", "label")
    assert whole["stage_arrears"]["selected"] == selected
    assert abs(whole["stage_arrears"]["escalations_found"] - found) < 1e-9
    # the prior in lanes: everyone in Acuut, then the lane by the prior's score (scores are the input)
    prior = backtest.scored.select("as_of_date", "household_id", "score_prior")
    listed = frame.join(prior, on=["as_of_date", "household_id"]).with_columns(
        (pl.when(pl.col("acute")).then(1e9).otherwise(0) + pl.col("score_prior")).alias("prior_in_lanes")
    )
    selected, found = _expected_found(listed, "prior_in_lanes", "whole_cap", "label")
    assert abs(whole["prior"]["escalations_found"] - found) < 1e-9 and whole["prior"]["selected"] == selected
