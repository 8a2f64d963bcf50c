"""Train the scorecard on earlier as-of dates, evaluate it on later ones, publish it with its card."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from evaluation.dataset import snapshot_dates, snapshots
from evaluation.metrics import (
    ORDERINGS,
    auc_table,
    bias_audit,
    calibration_table,
    capacity_table,
    selected,
    with_capacity,
)
from rules.schema import default_ruleset
from rules.scorecard import Scorecard, bin_indices, fit_scorecard, load_spec
from signals.features import link_signals
from signals.registry import teams

AUDIT_GROUPS = {
    "wijk": "wijk",
    "age_band": "leeftijdsklasse hoofd huishouden",
    "household_type": "type huishouden",
}


@dataclass
class Evaluation:
    card: Scorecard
    train_dates: list
    test_dates: list
    capacity: pl.DataFrame
    auc: pl.DataFrame
    calibration: pl.DataFrame
    audits: dict[str, pl.DataFrame]
    train_rows: int
    train_positives: int
    test_rows: int
    test_positives: int
    has_ceiling: bool


def _score(frame: pl.DataFrame, card: Scorecard) -> pl.DataFrame:
    points = card.contributions(bin_indices(frame, load_spec()))
    return frame.with_columns(points["score"], pl.Series("risk", card.risk(points["score"].to_numpy())))


def train_and_evaluate(con: duckdb.DuckDBPyConnection, ground_truth: Path | None = None) -> Evaluation:
    """Temporal evaluation on the warehouse; returns the scorecard refitted on all snapshots."""
    from evaluation.ground_truth import attach_truth

    ruleset, spec = default_ruleset(), load_spec()
    link_signals(con)
    dates = snapshot_dates(con, ruleset, spec)
    if len(dates) <= spec.test_months + 2:
        raise ValueError(
            f"only {len(dates)} monthly snapshots with a full lookback and an observed horizon; "
            f"need more than {spec.test_months + 2}"
        )
    data = snapshots(con, dates, ruleset, spec)
    train_dates, test_dates = dates[: -spec.test_months], dates[-spec.test_months :]
    train = data.filter(pl.col("as_of_date").is_in(train_dates))
    test = data.filter(pl.col("as_of_date").is_in(test_dates))
    evaluated = fit_scorecard(bin_indices(train, spec), train["label"].to_numpy(), spec, train_dates)
    test = _score(test, evaluated)
    if ground_truth is not None:
        test = attach_truth(test, ground_truth)
    test = with_capacity(test, teams(), spec.evaluation.weeks_per_snapshot)
    chosen = selected(test, ORDERINGS["lijst (tier, dan scorekaart)"])
    audits = {
        group: bias_audit(
            test, chosen, group, spec.evaluation.fairness_ratio_band, spec.evaluation.minimum_group_positives
        )
        for group in AUDIT_GROUPS
        if group in test.columns
    }
    # The published scorecard is the same procedure fitted on every snapshot.
    final = fit_scorecard(bin_indices(data, spec), data["label"].to_numpy(), spec, dates)
    return Evaluation(
        card=final,
        train_dates=train_dates,
        test_dates=test_dates,
        capacity=capacity_table(test),
        auc=auc_table(test),
        calibration=calibration_table(test),
        audits=audits,
        train_rows=train.height,
        train_positives=int(train["label"].sum()),
        test_rows=test.height,
        test_positives=int(test["label"].sum()),
        has_ceiling="latent_risk" in test.columns,
    )


def publish(evaluation: Evaluation, models_dir: Path) -> tuple[Path, Path]:
    """Write the scorecard (current + versioned) and its model card; returns their paths."""
    from evaluation.model_card import render_model_card

    card = evaluation.card
    models_dir.mkdir(parents=True, exist_ok=True)
    card.save(models_dir / f"scorecard-{card.version}.json")
    card.save(models_dir / "scorecard.json")
    text = render_model_card(evaluation)
    (models_dir / f"model_card-{card.version}.md").write_text(text, encoding="utf-8")
    path = models_dir / "model_card.md"
    path.write_text(text, encoding="utf-8")
    return models_dir / "scorecard.json", path
