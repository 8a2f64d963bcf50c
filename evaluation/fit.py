"""Fitting a scorecard's points on the installation's snapshots: a regularised logistic regression
on the binned terms, anchored on the prior scorecard, monotone where the domain says so.

Why anchored: six-month escalations are rare and noisy. An unregularised fit on a region's few
hundred escalations overfits them and can rank worse than a simple rule. Here the fitted points are
the prior's points plus a correction per bin, and an L2 penalty pulls every correction towards 0:
with little history the fit stays close to the prior, with more it moves where the data says so.
The prior enters as a fixed offset, which scikit-learn's LogisticRegression cannot take, so the
penalised likelihood is minimised with scipy's L-BFGS on the distinct rows of binned terms (a
region's 200,000 household-months reduce to a few thousand patterns).

Monotonicity: where rules/scorecard.yaml asks for a direction, adjacent bins whose fitted points
go the wrong way share one correction (pool-adjacent-violators) and the fit is repeated, so every
published bin table reads in the expected direction.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date

import numpy as np
import polars as pl
from scipy import sparse
from scipy.optimize import minimize

from rules.scorecard import Scorecard, ScorecardSpec


def _patterns(
    bins: pl.DataFrame, target: np.ndarray, names: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of bins with their count and summed target (0/1 outcomes or probabilities)."""
    grouped = (
        bins.select(names)
        .with_columns(pl.Series("_y", np.asarray(target, dtype=float)))
        .group_by(names)
        .agg(pl.len().alias("_n"), pl.col("_y").sum())
        .sort(names)
    )
    return grouped.select(names).to_numpy(), grouped["_n"].to_numpy().astype(float), grouped["_y"].to_numpy()


def _design(matrix: np.ndarray, groups: list[list[int]]) -> tuple[sparse.csr_matrix, list[tuple[int, int]]]:
    """One 0/1 column per (term, group of bins), leaving out each term's group of bin 0 (the
    reference); sparse, as a row has at most one 1 per term."""
    keys = [
        (j, g) for j, term_groups in enumerate(groups) for g in sorted(set(term_groups) - {term_groups[0]})
    ]
    column = {key: i for i, key in enumerate(keys)}
    rows, cols = [], []
    for j, term_groups in enumerate(groups):
        grouped = np.asarray(term_groups)[matrix[:, j]]
        for g in sorted(set(term_groups) - {term_groups[0]}):
            hit = np.flatnonzero(grouped == g)
            rows.append(hit)
            cols.append(np.full(len(hit), column[(j, g)]))
    if not keys:
        return sparse.csr_matrix((len(matrix), 0)), keys
    rows_all, cols_all = np.concatenate(rows), np.concatenate(cols)
    data = np.ones(len(rows_all))
    return sparse.csr_matrix((data, (rows_all, cols_all)), shape=(len(matrix), len(keys))), keys


def _penalised_fit(
    design: sparse.csr_matrix, offset: np.ndarray, n: np.ndarray, y: np.ndarray, c: float, start: np.ndarray
) -> tuple[np.ndarray, float]:
    """Coefficients and intercept minimising the binomial deviance/2 + |beta|^2 / (2c), divided by
    the number of household-months (the same minimum; L-BFGS's tolerances then mean the same for a
    small region and a large one)."""
    k, total = design.shape[1], float(n.sum())
    design_t = design.T.tocsr()

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        beta, b = theta[:k], theta[k]
        eta = offset + design @ beta + b
        p = 1 / (1 + np.exp(-eta))
        value = float(np.sum(n * np.logaddexp(0, eta) - y * eta) + beta @ beta / (2 * c)) / total
        residual = n * p - y
        grad = np.concatenate([design_t @ residual + beta / c, [residual.sum()]]) / total
        return value, grad

    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return result.x[:k], float(result.x[k])


def _violation(total: list[float], direction: str) -> int | None:
    """Index i where bins i and i+1 go the wrong way (bins 1.. only; bin 0 is 'no value')."""
    if direction == "none":
        return None
    for i in range(1, len(total) - 1):
        wrong = total[i + 1] < total[i] if direction == "increasing" else total[i + 1] > total[i]
        if wrong:
            return i
    return None


def fit_scorecard(
    bins: pl.DataFrame,
    target: np.ndarray,
    spec: ScorecardSpec,
    training_as_of: list[date],
    prior: Scorecard | None,
    c: float | None = None,
) -> Scorecard:
    """Points per bin of every term, fitted on `bins` (from rules.scorecard.bin_indices) against
    `target` (1/0 escalations, or probabilities for the data-limit reference), as corrections on
    `prior` (None: a free fit from zero). Bin 0 of every term stays at 0 points."""
    names = [t.name for t in spec.terms]
    c = c if c is not None else spec.training.regularisation_c
    matrix, n, y = _patterns(bins, target, names)
    scale = math.log(2) / spec.points_per_doubling  # logits per point
    prior_logit = [np.asarray(prior.points[name], dtype=float) * scale if prior else None for name in names]
    offset = sum(
        (prior_logit[j][matrix[:, j]] for j in range(len(names)) if prior_logit[j] is not None),
        start=np.full(len(matrix), prior.intercept if prior else 0.0),
    )
    groups = []
    for j, term in enumerate(spec.terms):
        # A bin nobody falls in gets the correction of its nearest occupied neighbour.
        used = np.bincount(matrix[:, j], minlength=len(term.bin_labels())) > 0
        occupied = np.flatnonzero(used) if used.any() else np.array([0])
        groups.append([int(occupied[np.argmin(np.abs(occupied - b))]) for b in range(len(used))])
    previous: dict[tuple[int, int], float] = {}
    intercept = 0.0
    for _ in range(100):
        design, keys = _design(matrix, groups)
        # start from the last round's solution: merged bins keep the correction of the bin kept
        start = np.array([previous.get(key, 0.0) for key in keys] + [intercept])
        beta, intercept = _penalised_fit(design, offset, n, y, c, start)
        previous = dict(zip(keys, beta, strict=True))
        totals = []
        for j, term_groups in enumerate(groups):
            correction = {g: v for (jj, g), v in zip(keys, beta, strict=True) if jj == j}
            base = prior_logit[j] if prior_logit[j] is not None else np.zeros(len(term_groups))
            totals.append([base[b] + correction.get(g, 0.0) for b, g in enumerate(term_groups)])
        bad = [(j, _violation(totals[j], t.monotone)) for j, t in enumerate(spec.terms)]
        bad = [(j, i) for j, i in bad if i is not None]
        if not bad:
            break
        for j, i in bad:  # the first wrong step of every term at once, then fit again
            merged_from, merged_into = groups[j][i + 1], groups[j][i]
            groups[j] = [merged_into if g == merged_from else g for g in groups[j]]
    # Bin 0 (no such signal) is the reference of every term: 0 points, so a household's points come
    # only from what it has; the intercept holds the base.
    points = {name: [round((v - totals[j][0]) / scale) for v in totals[j]] for j, name in enumerate(names)}
    base = (prior.intercept if prior else 0.0) + intercept + sum(t[0] for t in totals)
    fingerprint = hashlib.sha256(json.dumps(points, sort_keys=True).encode()).hexdigest()[:8]
    return Scorecard(
        version=f"{spec.version}+{max(training_as_of):%Y%m}.{fingerprint}",
        kind="fitted",
        spec_version=spec.version,
        trained_through=max(training_as_of),
        training_as_of=tuple(sorted(training_as_of)),
        points_per_doubling=spec.points_per_doubling,
        intercept=base,
        points=points,
        labels={t.name: t.bin_labels() for t in spec.terms},
        feature_labels={t.name: t.label for t in spec.terms},
    )
