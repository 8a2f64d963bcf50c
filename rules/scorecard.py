"""The scorecard: binned features → integer points → estimated risk.

Why our own binning instead of optbinning: the bins are policy (rules/scorecard.yaml, reviewed
like the rules), not something to optimise per training run; what a scorecard says is only the
points per bin. Two kinds exist: the prior (rules/prior_scorecard.yaml, points from published
evidence and policy, ranking from day one) and a fitted one (evaluation/fit.py, from the
installation's own history), which is live only when it beat the prior in a backtest.
"""

from __future__ import annotations

import json
import math
import os
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.schema import Condition
from signals.features import FEATURES

SPEC_PATH = Path(__file__).parent / "scorecard.yaml"
PRIOR_PATH = Path(__file__).parent / "prior_scorecard.yaml"
NO_SIGNAL = "geen"
# Location may route a household to its team, never score it (PRODUCT.md).
FORBIDDEN_FEATURES = frozenset({"gemeente", "wijk", "buurt", "wijkteam", "address_key"})


class BinnedFeature(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    label: str
    edges: tuple[float, ...] | None = None
    categories: tuple[str | bool, ...] | None = None
    monotone: Literal["increasing", "decreasing", "none"]

    @model_validator(mode="after")
    def _check(self) -> BinnedFeature:
        if self.name not in FEATURES or self.name in FORBIDDEN_FEATURES:
            raise ValueError(f"{self.name!r} is not a feature the scorecard may use")
        if (self.edges is None) == (self.categories is None):
            raise ValueError(f"{self.name}: give either edges or categories")
        if self.edges is not None and list(self.edges) != sorted(set(self.edges)):
            raise ValueError(f"{self.name}: edges must increase")
        return self

    def bin_labels(self) -> list[str]:
        """Bin 0 is 'no value' (no such signal); then the bins in domain order."""
        if self.categories == (True,):
            return ["nee of onbekend", "ja"]
        if self.categories is not None:
            return [NO_SIGNAL, *[("ja" if c is True else str(c).replace("_", " ")) for c in self.categories]]
        e = [f"{x:g}".replace(".", ",") for x in self.edges]
        return [NO_SIGNAL, f"< {e[0]}", *[f"{a} – {b}" for a, b in pairwise(e)], f"≥ {e[-1]}"]

    def bin_index(self) -> pl.Expr:
        col = pl.col(self.name)
        if self.categories is not None:
            mapping = {
                (str(c).lower() if isinstance(c, bool) else c): i + 1 for i, c in enumerate(self.categories)
            }
            key = col.cast(pl.String).str.to_lowercase()
            return key.replace_strict(mapping, default=0, return_dtype=pl.Int32).fill_null(0)
        value = col.cast(pl.Float64)
        index = pl.sum_horizontal([(value >= edge).cast(pl.Int32) for edge in self.edges]) + 1
        return pl.when(value.is_null()).then(0).otherwise(index).cast(pl.Int32)


class Combination(BaseModel):
    """Points for signals that come together: a condition in the rules' language, yes or no."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z_]+$")
    label: str
    rationale: str = Field(min_length=20)
    when: Condition
    monotone: Literal["increasing", "none"] = "increasing"

    @model_validator(mode="after")
    def _not_a_feature(self) -> Combination:
        if self.name in FEATURES:
            raise ValueError(f"combination {self.name!r} has the name of a feature")
        return self

    def bin_labels(self) -> list[str]:
        return ["nee", "ja"]

    def bin_index(self) -> pl.Expr:
        return pl.col(self.name).fill_null(False).cast(pl.Int32)


class TrainingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_history_days: int = Field(gt=0)
    label_grace_days: int = Field(ge=0)
    min_snapshots: int = Field(ge=2)
    max_test_months: int = Field(ge=1)
    regularisation_c: float = Field(gt=0)
    promotion_margin: float = Field(ge=0)


class EvaluationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weeks_per_snapshot: int = Field(gt=0)
    fairness_ratio_band: tuple[float, float]
    minimum_group_positives: int = Field(ge=1)


class ScorecardSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    label_horizon_days: int = Field(gt=0)
    label_stages: tuple[str, ...]
    points_per_doubling: float = Field(gt=0)
    training: TrainingSettings
    features: tuple[BinnedFeature, ...] = Field(min_length=1)
    combinations: tuple[Combination, ...] = ()
    evaluation: EvaluationSettings

    @property
    def terms(self) -> tuple[BinnedFeature | Combination, ...]:
        """Everything that earns points, in the order of the file: features, then combinations."""
        return (*self.features, *self.combinations)

    @model_validator(mode="after")
    def _unique(self) -> ScorecardSpec:
        names = [t.name for t in self.terms]
        if len(names) != len(set(names)):
            raise ValueError("two scorecard terms share a name")
        return self


@cache
def load_spec(path: Path = SPEC_PATH) -> ScorecardSpec:
    return ScorecardSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def format_risk(risk: float) -> str:
    """An estimated probability as a Dutch percentage with two decimals: 0.00042 → '0,04%'."""
    return f"{100 * risk:.2f}%".replace(".", ",")


def bin_indices(features: pl.DataFrame, spec: ScorecardSpec) -> pl.DataFrame:
    """One integer column per scorecard term: the household's bin (0 = no value, or "nee").

    Combination columns are computed in SQL next to the features (rules/scoring.py,
    `scored_features_sql`), from the same conditions the rules engine compiles.
    """
    return features.select(t.bin_index().alias(t.name) for t in spec.terms)


class Scorecard(BaseModel):
    """Points per bin; total points → estimated risk. A prior or a fitted one."""

    model_config = ConfigDict(extra="forbid")

    version: str
    kind: Literal["prior", "fitted"]
    spec_version: str
    trained_through: date | None = None
    training_as_of: tuple[date, ...] = ()
    points_per_doubling: float
    intercept: float
    # term → points per bin (bin 0 first); merged bins carry the same points.
    points: dict[str, list[int]]
    labels: dict[str, list[str]]
    feature_labels: dict[str, str]
    # term → why each bin has its points (the prior's rationale; empty for a fitted scorecard)
    rationale: dict[str, list[str]] = Field(default_factory=dict)

    def risk(self, score: np.ndarray | float) -> np.ndarray:
        """Estimated probability of the label for a total score (the model's own link)."""
        logit = self.intercept + np.asarray(score, dtype=float) * math.log(2) / self.points_per_doubling
        return 1 / (1 + np.exp(-logit))

    def contributions(self, bins: pl.DataFrame) -> pl.DataFrame:
        """Points per term for each row of `bins` (from bin_indices), plus `score`."""
        points = bins.select(
            pl.col(name).replace_strict(dict(enumerate(pts)), return_dtype=pl.Int32).alias(name)
            for name, pts in self.points.items()
        )
        return points.with_columns(score=pl.sum_horizontal(self.points.keys()).cast(pl.Int32))

    def score(self, bins: pl.DataFrame) -> np.ndarray:
        return self.contributions(bins)["score"].to_numpy()

    def save(self, path: Path) -> None:
        """Written beside and renamed into place: a nightly run reading it never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.part")
        part.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(part, path)

    @classmethod
    def load(cls, path: Path) -> Scorecard:
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))


class PriorBin(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bin: str
    points: int
    why: str = Field(min_length=10)


class PriorScorecard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    spec_version: str
    # the estimated 6-month risk of a signalled household with 0 points
    base_risk: float = Field(gt=0, lt=1)
    base_risk_why: str = Field(min_length=20)
    points: dict[str, tuple[PriorBin, ...]]


def _check_prior(prior: PriorScorecard, spec: ScorecardSpec) -> None:
    if prior.spec_version != spec.version:
        raise ValueError(
            f"prior scorecard is for bins {prior.spec_version}, rules/scorecard.yaml is {spec.version}"
        )
    names = [t.name for t in spec.terms]
    if list(prior.points) != names:
        raise ValueError(f"prior scorecard: give points for exactly these terms, in this order: {names}")
    for term in spec.terms:
        given = [b.bin for b in prior.points[term.name]]
        if given != term.bin_labels():
            raise ValueError(f"prior scorecard, {term.name}: bins {given} are not {term.bin_labels()}")
        points = [b.points for b in prior.points[term.name]]
        if points[0] != 0:
            raise ValueError(f"prior scorecard, {term.name}: the first bin (no such signal) is 0 points")
        body = points[1:]
        if term.monotone == "increasing" and body != sorted(body):
            raise ValueError(f"prior scorecard, {term.name}: points must rise over the bins")
        if term.monotone == "decreasing" and body != sorted(body, reverse=True):
            raise ValueError(f"prior scorecard, {term.name}: points must fall over the bins")


@cache
def load_prior(path: Path = PRIOR_PATH, spec_path: Path = SPEC_PATH) -> Scorecard:
    """The prior scorecard as a Scorecard, checked against the spec (bins, order, direction)."""
    spec = load_spec(spec_path)
    prior = PriorScorecard.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    _check_prior(prior, spec)
    return Scorecard(
        version=prior.version,
        kind="prior",
        spec_version=prior.spec_version,
        points_per_doubling=spec.points_per_doubling,
        intercept=math.log(prior.base_risk / (1 - prior.base_risk)),
        points={name: [b.points for b in bins] for name, bins in prior.points.items()},
        labels={t.name: t.bin_labels() for t in spec.terms},
        feature_labels={t.name: t.label for t in spec.terms},
        rationale={name: [b.why for b in bins] for name, bins in prior.points.items()},
    )
