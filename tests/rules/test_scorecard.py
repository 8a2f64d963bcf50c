from datetime import date

import numpy as np
import polars as pl
import pytest

from rules.scorecard import BinnedFeature, bin_indices, fit_scorecard, load_spec


def test_bins_follow_the_edges_and_no_value_is_its_own_bin():
    f = BinnedFeature(name="arrears_months", label="x", edges=(1, 2, 3), monotone="increasing")
    frame = pl.DataFrame({"arrears_months": [None, 0.5, 1.0, 2.5, 3.0, 9.0]})
    assert frame.select(f.bin_index()).to_series().to_list() == [0, 1, 2, 3, 4, 4]
    assert f.bin_labels() == ["geen", "< 1", "1 – 2", "2 – 3", "≥ 3"]


def test_location_and_unknown_features_are_refused():
    with pytest.raises(ValueError):
        BinnedFeature(name="wijk", label="x", categories=("a",), monotone="none")
    with pytest.raises(ValueError):
        BinnedFeature(name="nationality", label="x", categories=("a",), monotone="none")


def test_fit_is_monotone_and_points_add_up():
    spec = load_spec()
    rng = np.random.default_rng(3)
    n = 20_000
    months = np.where(rng.random(n) < 0.5, np.nan, rng.gamma(2, 0.8, n))
    frame = pl.DataFrame({f.name: [None] * n for f in spec.features}).with_columns(
        pl.Series("arrears_months", months, dtype=pl.Float64).fill_nan(None)
    )
    m = frame["arrears_months"].fill_null(0).to_numpy()
    # Risk rises with arrears, but make the middle bin noisy so a raw fit could dip.
    p = 1 / (1 + np.exp(-(-5 + 0.9 * m)))
    label = rng.random(n) < p
    bins = bin_indices(frame, spec)
    card = fit_scorecard(bins, label, spec, [date(2025, 1, 31)])
    pts = card.points["arrears_months"]
    assert pts[1:] == sorted(pts[1:])
    scored = card.contributions(bins)
    assert (scored["score"] == scored.select(card.points.keys()).sum_horizontal()).all()
    assert card.risk(0) < card.risk(max(pts))
