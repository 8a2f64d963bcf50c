"""The scorecard: binned features → integer points → estimated risk, fitted with scikit-learn.

Why our own binning instead of optbinning: the bins are policy (rules/scorecard.yaml, reviewed
like the rules), not something to optimise per training run; what is learned is only the points
per bin. Monotonicity where the domain demands it is enforced by merging adjacent bins whose
fitted points go the wrong way (pool-adjacent-violators) and refitting, so every published bin
table reads in the expected direction.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from signals.features import FEATURES

SPEC_PATH = Path(__file__).parent / "scorecard.yaml"
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
    test_months: int = Field(ge=1)
    regularisation_c: float = Field(gt=0)
    features: tuple[BinnedFeature, ...] = Field(min_length=1)
    evaluation: EvaluationSettings


@cache
def load_spec(path: Path = SPEC_PATH) -> ScorecardSpec:
    return ScorecardSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def format_risk(risk: float) -> str:
    """An estimated probability as a Dutch percentage with two decimals: 0.00042 → '0,04%'."""
    return f"{100 * risk:.2f}%".replace(".", ",")


def bin_indices(features: pl.DataFrame, spec: ScorecardSpec) -> pl.DataFrame:
    """One integer column per scorecard feature: the household's bin (0 = no value)."""
    return features.select(f.bin_index().alias(f.name) for f in spec.features)


class Scorecard(BaseModel):
    """A fitted scorecard: points per bin; total points → estimated risk."""

    model_config = ConfigDict(extra="forbid")

    version: str
    spec_version: str
    trained_through: date
    training_as_of: tuple[date, ...]
    points_per_doubling: float
    intercept: float
    # feature → points per bin (bin 0 first); merged bins carry the same points.
    points: dict[str, list[int]]
    labels: dict[str, list[str]]
    feature_labels: dict[str, str]

    def risk(self, score: np.ndarray | float) -> np.ndarray:
        """Estimated probability of the label for a total score (the model's own link)."""
        logit = self.intercept + np.asarray(score, dtype=float) * math.log(2) / self.points_per_doubling
        return 1 / (1 + np.exp(-logit))

    def contributions(self, bins: pl.DataFrame) -> pl.DataFrame:
        """Points per feature for each row of `bins` (from bin_indices), plus `score`."""
        points = bins.select(
            pl.col(name).replace_strict(dict(enumerate(pts)), return_dtype=pl.Int32).alias(name)
            for name, pts in self.points.items()
        )
        return points.with_columns(score=pl.sum_horizontal(self.points.keys()).cast(pl.Int32))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Scorecard:
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))


def _one_hot(bins: np.ndarray, groups: list[list[int]]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Design matrix: one column per (feature, group) except each feature's group of bin 0."""
    columns, keys = [], []
    for j, feature_groups in enumerate(groups):
        grouped = np.asarray(feature_groups)[bins[:, j]]
        base = feature_groups[0]
        for g in sorted(set(feature_groups) - {base}):
            columns.append(grouped == g)
            keys.append((j, g))
    return np.column_stack(columns).astype(float), keys


def _violations(coefs: list[float], direction: str) -> int | None:
    """Index i where bins i and i+1 go the wrong way (bins 1.. only; bin 0 is 'no value')."""
    if direction == "none":
        return None
    for i in range(1, len(coefs) - 1):
        wrong = coefs[i + 1] < coefs[i] if direction == "increasing" else coefs[i + 1] > coefs[i]
        if wrong:
            return i
    return None


def fit_scorecard(
    bins: pl.DataFrame, label: np.ndarray, spec: ScorecardSpec, training_as_of: list[date]
) -> Scorecard:
    """Fit points per bin with L2 logistic regression, merging bins until monotone."""
    from sklearn.linear_model import LogisticRegression

    matrix = bins.select(f.name for f in spec.features).to_numpy()
    groups = []
    for j, f in enumerate(spec.features):
        # A bin nobody falls in gets the points of its nearest neighbour that does.
        used = np.bincount(matrix[:, j], minlength=len(f.bin_labels())) > 0
        if not used.any():
            raise ValueError(f"no training rows for {f.name}")
        occupied = np.flatnonzero(used)
        groups.append([int(occupied[np.argmin(np.abs(occupied - b))]) for b in range(len(used))])
    for _ in range(50):
        design, keys = _one_hot(matrix, groups)
        model = LogisticRegression(C=spec.regularisation_c, max_iter=2000)
        model.fit(design, label)
        per_bin = []
        for j, feature_groups in enumerate(groups):
            coef = {g: c for (jj, g), c in zip(keys, model.coef_[0], strict=True) if jj == j}
            per_bin.append([coef.get(g, 0.0) for g in feature_groups])
        bad = [(j, _violations(per_bin[j], f.monotone)) for j, f in enumerate(spec.features)]
        bad = [(j, i) for j, i in bad if i is not None]
        if not bad:
            break
        j, i = bad[0]
        merged_from, merged_into = groups[j][i + 1], groups[j][i]
        groups[j] = [merged_into if g == merged_from else g for g in groups[j]]
    scale = spec.points_per_doubling / math.log(2)
    # Anchor each feature at "no such signal" (bin 0) = 0 points: a household's points then come
    # only from what is known about it (negative where a signal lowers the risk, e.g. a payment
    # arrangement), so every reason shown is a signal the household has. The shift moves into the
    # intercept; the order of households and the risk of a total are unchanged.
    shifts = [per_bin[j][0] for j in range(len(spec.features))]
    points = {
        f.name: [round((c - shifts[j]) * scale) for c in per_bin[j]] for j, f in enumerate(spec.features)
    }
    intercept = float(model.intercept_[0]) + sum(shifts)
    fingerprint = hashlib.sha256(json.dumps(points, sort_keys=True).encode()).hexdigest()[:8]
    return Scorecard(
        version=f"{spec.version}+{max(training_as_of):%Y%m}.{fingerprint}",
        spec_version=spec.version,
        trained_through=max(training_as_of),
        training_as_of=tuple(sorted(training_as_of)),
        points_per_doubling=spec.points_per_doubling,
        intercept=intercept,
        points=points,
        labels={f.name: f.bin_labels() for f in spec.features},
        feature_labels={f.name: f.label for f in spec.features},
    )
