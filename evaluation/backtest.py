"""The backtest: for every month-end in a range, as known then, rank the households by every
candidate and count what each would have put in front of the teams.

Candidates (CANDIDATES): the list as published (lanes, then the live scorecard), the live
scorecard without lanes, the prior scorecard, the fitted challenger as it would have been fitted
then (only on labels observed by that date: an expanding window, refitted every month), and the
simple baselines "eviction stage, then arrears", "arrears amount" and "rules only". On synthetic
data, the generator's latent risk (the ceiling) and the data limit (the same model form fitted on
the latent risk instead of on outcomes) are added as references.

Views, all at each team's weekly capacity per month-end:
- the ranked lane (Vroeg erop af): its households ranked by each candidate, the first `capacity`
  selected — where the ranking is judged;
- the whole list: the same number of households as the list shows above its line (everyone in
  Acuut plus the capacity of the ranked lane), chosen by each candidate — by lanes first for the
  candidates that are lists, over all signalled households for the rest;
- the acute lane: everyone, no ranking.
Escalation: an eviction procedure at the address reaching aanzegging or beyond within the label
horizon. Early warning: escalations of households not in a running procedure on the month-end.
Lead time: for every executed eviction, the first month-end before it (within the horizon) on
which the candidate selected the household. Households tied on a capacity line count by their
expected share (evaluation/metrics.py); for lead times, ties are broken by a hash of the address
and date, never by the keyed household id, so figures do not depend on the pseudonymisation key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from evaluation.fit import fit_scorecard
from evaluation.metrics import expected_at_capacity
from evaluation.snapshots import load_snapshots
from rules.engine import routed_lanes
from rules.lanes import LaneSet
from rules.schema import RuleSet
from rules.scorecard import Scorecard, ScorecardSpec, bin_indices, load_prior
from signals.registry import TeamConfig

# A procedure that is running on the month-end (not withdrawn, not executed).
RUNNING = ("dagvaarding", "vonnis", "aanzegging", "ontruiming_gepland")
# The baseline's order of eviction stages: the further, the more urgent.
STAGE_ORDER = {"dagvaarding": 1, "vonnis": 2, "aanzegging": 3, "ontruiming_gepland": 4}


@dataclass(frozen=True)
class Candidate:
    key: str
    label: str
    ordering: tuple[tuple[str, bool], ...]  # (column, descending)
    lanes_first: bool  # in the whole-list view: the acute lane first, as the list does
    in_lane_view: bool = True


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("list", "de lijst (banen, dan de live scorekaart)", (("score_live", True),), True, False),
    Candidate("live", "live scorekaart", (("score_live", True),), False),
    Candidate("prior", "voorlopige scorekaart (prior)", (("score_prior", True),), True),
    Candidate(
        "challenger", "getrainde scorekaart (zoals toen getraind)", (("score_challenger", True),), True
    ),
    Candidate(
        "challenger_free",
        "getrainde scorekaart zonder de voorlopige als vertrekpunt",
        (("score_challenger_free", True),),
        True,
    ),
    Candidate(
        "stage_arrears",
        "basislijn: fase procedure, dan huurachterstand",
        (("stage_rank", True), ("arrears_amount", True)),
        False,
    ),
    Candidate("arrears", "basislijn: alleen huurachterstand (bedrag)", (("arrears_amount", True),), False),
    Candidate("rules", "basislijn: alleen regels (aantal)", (("rules_fired", True),), True),
    Candidate("ceiling", "plafond: latente kans (generator)", (("latent_risk", True),), False),
    Candidate(
        "data_limit", "datalimiet: zelfde model op de latente kans", (("score_data_limit", True),), False
    ),
)
CANDIDATE_BY_KEY = {c.key: c for c in CANDIDATES}


@dataclass
class Backtest:
    first: date
    last: date
    dates: list[date]
    rules_as_of: date | None
    live_version: str
    lane: pl.DataFrame  # the ranked lane, per candidate
    whole: pl.DataFrame  # the whole list at equal size, per candidate
    acute: dict[str, float]  # the acute lane: households, escalations, early-warning escalations
    lead: pl.DataFrame  # executed evictions: listed before and lead time, per candidate
    prior_dates: list[date] = field(default_factory=list)  # dates the challenger was still the prior
    has_truth: bool = False
    scored: pl.DataFrame | None = None  # the row-level frame (for the audits and the tests)


def _capacity(frame: pl.DataFrame, teams: TeamConfig, weeks: int) -> pl.DataFrame:
    capacity = pl.DataFrame(
        {
            "wijkteam": [t.code for t in teams.teams],
            "lane_capacity": [t.capacity_per_week * weeks for t in teams.teams],
        }
    )
    return frame.join(capacity, on="wijkteam", how="left").with_columns(
        pl.col("lane_capacity").fill_null(teams.default_capacity_per_week * weeks)
    )


def route(
    con: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    ruleset: RuleSet,
    lanes: LaneSet,
    rules_as_of: date | None,
) -> pl.DataFrame:
    """Add lane, acute_date and rules_fired to snapshot rows, by the catalogue valid on
    `rules_as_of` (None: on each snapshot's own date, as the nightly run then would have)."""
    dates = frame["as_of_date"].unique().sort().to_list()
    if rules_as_of is not None:
        periods = {rules_as_of: dates}
    else:
        periods: dict[date, list[date]] = {}
        for day in dates:  # dates with the same valid rules share one query
            key = next((k for k in periods if ruleset.valid_on(k) == ruleset.valid_on(day)), day)
            periods.setdefault(key, []).append(day)
    routed = [
        routed_lanes(
            con,
            ruleset,
            lanes,
            on,
            "mart_training_snapshot",
            "list_contains($dates, as_of_date)",
            {"dates": days},
        )
        for on, days in periods.items()
    ]
    hits = pl.concat(routed) if routed else pl.DataFrame()
    out = (
        frame.join(hits, on=["as_of_date", "household_id"], how="left")
        if hits.height
        else frame.with_columns(
            pl.lit(None, pl.String).alias("lane"),
            pl.lit(None, pl.Date).alias("acute_date"),
            pl.lit(0).alias("rules_fired"),
        )
    )
    return out.with_columns(
        pl.col("lane").fill_null(lanes.default_lane),
        pl.col("rules_fired").fill_null(0),
    )


def _challenger_scores(
    snaps: pl.DataFrame, test: pl.DataFrame, spec: ScorecardSpec, prior: Scorecard
) -> tuple[np.ndarray, np.ndarray, list[date]]:
    """Each test date scored by a scorecard fitted on the labels observed by that date (or the
    prior while there are too few): anchored on the prior (the challenger) and, for comparison,
    fitted freely from zero; returns both scores and the dates the prior stood in."""
    wait = timedelta(days=spec.label_horizon_days + spec.training.label_grace_days)
    labelled = snaps.filter(pl.col("label").is_not_null())
    # binned once; each month-end's fit takes the rows whose label was known by then
    all_bins, outcome = bin_indices(labelled, spec), labelled["label"].to_numpy()
    snapshot_day = labelled["as_of_date"].to_numpy()
    test_bins = bin_indices(test, spec)
    test_day = test["as_of_date"].to_numpy()
    scores, free = np.zeros(test.height), np.zeros(test.height)
    prior_dates = []
    for day in test["as_of_date"].unique().sort().to_list():
        rows = np.flatnonzero(test_day == np.datetime64(day))
        known = snapshot_day + np.timedelta64(wait.days, "D") <= np.datetime64(day)
        dates = sorted({d.astype("datetime64[D]").item() for d in np.unique(snapshot_day[known])})
        if len(dates) < spec.training.min_snapshots or not outcome[known].any():
            card = unanchored = prior
            prior_dates.append(day)
        else:
            known_bins = all_bins.filter(pl.Series(known))
            card = fit_scorecard(known_bins, outcome[known], spec, dates, prior)
            unanchored = fit_scorecard(known_bins, outcome[known], spec, dates, None)
        row_bins = test_bins[rows]
        scores[rows] = card.score(row_bins)
        free[rows] = unanchored.score(row_bins)
    return scores, free, prior_dates


def _metrics(frame: pl.DataFrame, candidate: Candidate, capacity: str, lanes_first: bool) -> dict:
    ordering = list(candidate.ordering)
    if lanes_first:
        ordering = [("lane_order", False), *ordering]
    view = frame.with_columns(pl.col(capacity).alias("capacity"))
    selected, found = expected_at_capacity(view, ordering)
    _, early = expected_at_capacity(view.with_columns(pl.col("early_warning").alias("label")), ordering)
    escalations, early_total = int(frame["label"].sum()), int(frame["early_warning"].sum())
    return {
        "candidate": candidate.key,
        "label": candidate.label,
        "selected": selected,
        "escalations_found": found,
        "escalations": escalations,
        "precision": found / max(selected, 1),
        "recall": found / max(escalations, 1),
        "early_warning_found": early,
        "early_warnings": early_total,
        "early_warning_recall": early / max(early_total, 1),
    }


def _selected(frame: pl.DataFrame, ordering: list[tuple[str, bool]], capacity: str) -> pl.Series:
    """Deterministic selection: ties broken by a hash of address and date (not the keyed id)."""
    columns = [c for c, _ in ordering] + ["_tie"]
    descending = [d for _, d in ordering] + [False]
    ranked = (
        frame.with_row_index("_pos")
        .with_columns(
            pl.concat_str(pl.col("address_key"), pl.col("as_of_date").cast(pl.String)).hash(7).alias("_tie")
        )
        .sort(columns, descending=descending, nulls_last=True)
        .with_columns(pl.int_range(pl.len()).over("as_of_date", "wijkteam").alias("_rank"))
        .sort("_pos")
    )
    return ranked["_rank"] < ranked[capacity]


def list_selection(frame: pl.DataFrame) -> pl.Series:
    """What the list puts above its line: the acute lane, then the ranked lane by the live score."""
    return _selected(frame, [("lane_order", False), ("score_live", True)], "whole_capacity")


def _lead_times(frame: pl.DataFrame, candidates: list[Candidate]) -> pl.DataFrame:
    rows = []
    for c in candidates:
        ordering = ([("lane_order", False)] if c.lanes_first else []) + list(c.ordering)
        chosen = frame.with_columns(_selected(frame, ordering, "whole_capacity").alias("_chosen"))
        per = (
            chosen.filter(pl.col("eviction_date").is_not_null())
            .group_by("address_key", "eviction_date")
            .agg(pl.col("as_of_date").filter(pl.col("_chosen")).min().alias("first_listed"))
            .with_columns(
                ((pl.col("eviction_date") - pl.col("first_listed")).dt.total_days() / 7).alias("weeks")
            )
        )
        listed = per.filter(pl.col("first_listed").is_not_null())
        rows.append(
            {
                "candidate": c.key,
                "label": c.label,
                "evictions": per.height,
                "listed_before": listed.height,
                "listed_share": listed.height / max(per.height, 1),
                "median_lead_weeks": float(listed["weeks"].median()) if listed.height else None,
            }
        )
    return pl.DataFrame(rows)


def score_snapshots(
    con: duckdb.DuckDBPyConnection,
    spec: ScorecardSpec,
    ruleset: RuleSet,
    lanes: LaneSet,
    teams: TeamConfig,
    live: Scorecard,
    first: date | None = None,
    last: date | None = None,
    rules_as_of: date | None = None,
    ground_truth: Path | None = None,
) -> tuple[pl.DataFrame, list[date]]:
    """Every labelled snapshot row in [first, last] (default: all) with its lane and the score or
    ordering column of every candidate; and the dates on which the challenger was still the prior."""
    from evaluation.ground_truth import attach_truth

    prior = load_prior()
    snaps = load_snapshots(con, spec)
    test = snaps.filter(
        pl.col("label").is_not_null() & pl.col("as_of_date").is_between(first or date.min, last or date.max)
    )
    if test.is_empty():
        raise ValueError("no labelled snapshots in this range: record and label snapshots first")
    test = route(con, test, ruleset, lanes, rules_as_of)
    order = {code: i + 1 for i, code in enumerate(lanes.codes)}
    bins = bin_indices(test, spec)
    challenger, free, prior_dates = _challenger_scores(snaps, test, spec, prior)
    test = test.with_columns(
        pl.col("lane").replace_strict(order, return_dtype=pl.Int32).alias("lane_order"),
        pl.Series("score_live", live.score(bins)),
        pl.Series("score_prior", prior.score(bins)),
        pl.Series("score_challenger", challenger),
        pl.Series("score_challenger_free", free),
        pl.col("eviction_stage")
        .replace_strict(STAGE_ORDER, default=0, return_dtype=pl.Int32)
        .alias("stage_rank"),
        pl.col("last_arrears_eur").cast(pl.Float64).fill_null(0).alias("arrears_amount"),
        (pl.col("label") & ~pl.col("eviction_stage").is_in(RUNNING).fill_null(False)).alias("early_warning"),
    )
    if ground_truth is not None:
        test = attach_truth(test, ground_truth)
        everything = attach_truth(snaps, ground_truth).filter(pl.col("latent_risk").is_not_null())
        limit = fit_scorecard(
            bin_indices(everything, spec),
            everything["latent_risk"].to_numpy(),
            spec,
            everything["as_of_date"].unique().to_list(),
            prior,
        )
        test = test.with_columns(
            pl.Series("score_data_limit", limit.score(bins)), pl.col("latent_risk").fill_null(0)
        )
    test = _capacity(test, teams, spec.evaluation.weeks_per_snapshot)
    acute = test.group_by("as_of_date", "wijkteam").agg(
        (pl.col("lane") != lanes.default_lane).sum().cast(pl.Int64).alias("n_acute")
    )
    test = test.join(acute, on=["as_of_date", "wijkteam"]).with_columns(
        (pl.col("n_acute") + pl.col("lane_capacity")).alias("whole_capacity")
    )
    return test, prior_dates


def summarise(
    scored: pl.DataFrame,
    lanes: LaneSet,
    live_version: str,
    rules_as_of: date | None = None,
    prior_dates: list[date] | None = None,
    live_column: str = "score_live",
) -> Backtest:
    """The figures of a backtest from score_snapshots' frame; `live_column` is the score the list
    and the live scorecard rank by (train.py passes the challenger's when it is promoted)."""
    frame = scored.with_columns(pl.col(live_column).alias("score_live"))
    has_truth = "latent_risk" in frame.columns
    candidates = [c for c in CANDIDATES if has_truth or c.key not in ("ceiling", "data_limit")]
    ranked_lane = frame.filter(pl.col("lane") == lanes.default_lane)
    in_acute = frame.filter(pl.col("lane") != lanes.default_lane)
    return Backtest(
        first=min(frame["as_of_date"]),
        last=max(frame["as_of_date"]),
        dates=frame["as_of_date"].unique().sort().to_list(),
        rules_as_of=rules_as_of,
        live_version=live_version,
        lane=pl.DataFrame(
            [_metrics(ranked_lane, c, "lane_capacity", False) for c in candidates if c.in_lane_view]
        ),
        whole=pl.DataFrame([_metrics(frame, c, "whole_capacity", c.lanes_first) for c in candidates]),
        acute={
            "households": float(in_acute.height),
            "escalations": float(in_acute["label"].sum()),
            "early_warnings": float(in_acute["early_warning"].sum()),
            "all_escalations": float(frame["label"].sum()),
        },
        lead=_lead_times(frame, candidates),
        prior_dates=list(prior_dates or []),
        has_truth=has_truth,
        scored=frame,
    )


def run_backtest(
    con: duckdb.DuckDBPyConnection,
    spec: ScorecardSpec,
    ruleset: RuleSet,
    lanes: LaneSet,
    teams: TeamConfig,
    live: Scorecard,
    first: date | None = None,
    last: date | None = None,
    rules_as_of: date | None = None,
    ground_truth: Path | None = None,
) -> Backtest:
    """The backtest on the recorded, labelled snapshots in [first, last] (default: all)."""
    scored, prior_dates = score_snapshots(
        con, spec, ruleset, lanes, teams, live, first, last, rules_as_of, ground_truth
    )
    return summarise(scored, lanes, live.version, rules_as_of, prior_dates)
