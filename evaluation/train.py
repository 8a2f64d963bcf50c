"""Champion and challenger: fit a scorecard on the installation's snapshots, test it against the
prior in a backtest on the same history, and make it live only when it finds more.

The decision compares two procedures out of time, on the last months with an observed label:
"the prior scorecard" and "a scorecard fitted every month on the labels known by then". When the
fitted procedure finds at least `promotion_margin` more escalations per 100 in the ranked lane at
team capacity, the scorecard fitted on all labelled snapshots goes live; otherwise the prior
stays (or becomes) live. Either way the decision, its figures and the model card are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from evaluation.backtest import Backtest, list_selection, score_snapshots, summarise
from evaluation.fit import fit_scorecard
from evaluation.metrics import bias_audit, calibration_table
from evaluation.snapshots import load_snapshots
from rules.lanes import default_lanes
from rules.schema import default_ruleset
from rules.scorecard import Scorecard, bin_indices, load_prior, load_spec
from signals.registry import teams

AUDIT_GROUPS = {
    "wijk": "wijk",
    "age_band": "leeftijdsklasse hoofd huishouden",
    "household_type": "type huishouden",
}


class NotEnoughHistory(ValueError):
    """Too few labelled month-ends to fit and test; the message (Dutch) says how many there are."""


@dataclass
class Decision:
    promoted: bool
    reason_nl: str
    challenger_recall: float
    prior_recall: float
    margin: float


@dataclass
class Training:
    live: Scorecard  # what ranks from now on
    challenger: Scorecard  # fitted on every labelled snapshot
    decision: Decision
    backtest: Backtest  # the test window, with the live procedure as "the list"
    train_dates: list[date]
    test_dates: list[date]
    snapshot_rows: int
    snapshot_escalations: int
    calibration: pl.DataFrame
    audits: dict[str, pl.DataFrame]
    decided_on: date


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%".replace(".", ",")


def decide(backtest: Backtest, margin: float) -> Decision:
    """Promote the fitted procedure when its ranked-lane recall beats the prior's by `margin` points."""
    lane = {row["candidate"]: row for row in backtest.lane.iter_rows(named=True)}
    fitted, prior = lane["challenger"]["recall"], lane["prior"]["recall"]
    promoted = 100 * (fitted - prior) >= margin and lane["challenger"]["escalations_found"] > 0
    if promoted:
        reason = (
            f"De getrainde scorekaart gaat live: in de backtest op de eigen geschiedenis vond de maandelijks "
            f"getrainde scorekaart {_percent(fitted)} van de escalaties in de baan Vroeg erop af binnen de "
            f"capaciteit, de voorlopige scorekaart {_percent(prior)} (vereist: minstens {margin:g} "
            "procentpunt meer)."
        )
    else:
        reason = (
            "De voorlopige scorekaart blijft live: in de backtest op de eigen geschiedenis vond de "
            f"maandelijks getrainde scorekaart {_percent(fitted)} van de escalaties in de baan Vroeg "
            f"erop af binnen de capaciteit, de voorlopige {_percent(prior)}; een getrainde scorekaart "
            f"gaat pas live bij minstens {margin:g} procentpunt meer."
        )
    return Decision(promoted, reason, fitted, prior, margin)


def train_and_decide(
    con: duckdb.DuckDBPyConnection, ground_truth: Path | None = None, today: date | None = None
) -> Training:
    """Fit, backtest against the prior on the last labelled months, decide. Read-only on `con`."""
    spec, ruleset, lanes, prior = load_spec(), default_ruleset(), default_lanes(), load_prior()
    settings = spec.training
    snaps = load_snapshots(con, spec).filter(pl.col("label").is_not_null())
    dates = snaps["as_of_date"].unique().sort().to_list()
    if len(dates) < settings.min_snapshots:
        raise NotEnoughHistory(
            f"Nog te weinig geschiedenis om te trainen: {len(dates)} maandeinden met een waargenomen "
            f"uitkomst, minstens {settings.min_snapshots} nodig. De voorlopige scorekaart blijft live."
        )
    test_months = min(settings.max_test_months, max(1, len(dates) // 3))
    train_dates, test_dates = dates[:-test_months], dates[-test_months:]
    challenger = fit_scorecard(bin_indices(snaps, spec), snaps["label"].to_numpy(), spec, dates, prior)
    scored, prior_dates = score_snapshots(
        con, spec, ruleset, lanes, teams(), prior, test_dates[0], test_dates[-1], today, ground_truth
    )
    trial = summarise(scored, lanes, prior.version, today, prior_dates)
    decision = decide(trial, settings.promotion_margin)
    live = challenger if decision.promoted else prior
    backtest = summarise(
        scored,
        lanes,
        live.version,
        today,
        prior_dates,
        live_column="score_challenger" if decision.promoted else "score_prior",
    )
    frame = backtest.scored
    frame = frame.with_columns(pl.Series("risk", live.risk(frame["score_live"].to_numpy())))
    # the audit looks at what the list puts above its line; age band and household type exist only
    # where a BRP extract (or the generator's ground truth) is given
    chosen = list_selection(frame)
    band, minimum = spec.evaluation.fairness_ratio_band, spec.evaluation.minimum_group_positives
    audits = {
        group: bias_audit(frame, chosen, group, band, minimum)
        for group in AUDIT_GROUPS
        if group in frame.columns
    }
    return Training(
        live=live,
        challenger=challenger,
        decision=decision,
        backtest=backtest,
        train_dates=train_dates,
        test_dates=test_dates,
        snapshot_rows=snaps.height,
        snapshot_escalations=int(snaps["label"].sum()),
        calibration=calibration_table(frame),
        audits=audits,
        decided_on=today or max(dates),
    )
