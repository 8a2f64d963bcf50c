from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
import yaml

from evaluation.fit import fit_scorecard
from rules.scorecard import (
    PRIOR_PATH,
    SPEC_PATH,
    BinnedFeature,
    bin_indices,
    load_prior,
    load_spec,
)
from rules.scoring import scored_features_sql
from warehouse.migrate import migrate


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


def _empty_frame(n: int) -> pl.DataFrame:
    spec = load_spec()
    return pl.DataFrame({t.name: [None] * n for t in spec.terms})


def _arrears_world(seed: int, n: int = 20_000) -> tuple[pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    months = np.where(rng.random(n) < 0.5, np.nan, rng.gamma(2, 0.8, n))
    frame = _empty_frame(n).with_columns(
        pl.Series("last_arrears_months", months, dtype=pl.Float64).fill_nan(None)
    )
    m = frame["last_arrears_months"].fill_null(0).to_numpy()
    label = rng.random(n) < 1 / (1 + np.exp(-(-5 + 0.9 * m)))
    return frame, label


@pytest.mark.parametrize("anchored", [False, True])
def test_fit_is_monotone_anchored_at_no_signal_and_points_add_up(anchored):
    spec = load_spec()
    frame, label = _arrears_world(3)
    bins = bin_indices(frame, spec)
    card = fit_scorecard(bins, label, spec, [date(2025, 1, 31)], load_prior() if anchored else None)
    pts = card.points["last_arrears_months"]
    assert pts[0] == 0 and pts[1:] == sorted(pts[1:])
    assert pts[-1] > pts[1] + 20  # the fit found the steep rise
    scored = card.contributions(bins)
    assert (scored["score"] == scored.select(card.points.keys()).sum_horizontal()).all()
    assert card.risk(0) < card.risk(max(pts))
    # every term nobody has stays at 0 points (a free fit) or at the prior's points (anchored)
    expected = load_prior().points["eviction_stage"] if anchored else [0] * len(pts)
    assert card.points["eviction_stage"][: len(expected)] == expected[: len(card.points["eviction_stage"])]


def test_an_anchored_fit_on_little_data_stays_near_the_prior_and_moves_with_more():
    spec, prior = load_spec(), load_prior()
    few, few_label = _arrears_world(5, n=300)
    many, many_label = _arrears_world(5, n=60_000)
    near = fit_scorecard(bin_indices(few, spec), few_label, spec, [date(2025, 1, 31)], prior)
    far = fit_scorecard(bin_indices(many, spec), many_label, spec, [date(2025, 1, 31)], prior)
    start = np.array(prior.points["last_arrears_months"])

    def moved(card) -> float:
        return float(np.abs(np.array(card.points["last_arrears_months"]) - start).sum())

    assert moved(near) < moved(far)


def _write_prior(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(PRIOR_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "prior.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["points"]["last_arrears_months"].pop(), "bins"),
        (lambda d: d["points"]["last_arrears_months"][0].update(points=5), "first bin"),
        (lambda d: d["points"]["last_arrears_months"][5].update(points=1), "rise"),
        (lambda d: d["points"].pop("arrears_and_care"), "exactly these terms"),
        (lambda d: d.update(spec_version="1999.1"), "bins 1999.1"),
    ],
)
def test_a_prior_that_does_not_fit_the_spec_is_refused(tmp_path, change, message):
    load_prior.cache_clear()
    try:
        with pytest.raises(ValueError, match=message):
            load_prior(_write_prior(tmp_path, change), SPEC_PATH)
    finally:
        load_prior.cache_clear()


def test_the_prior_explains_every_bin_and_ranks_a_running_procedure_above_a_first_arrears_signal():
    prior, spec = load_prior(), load_spec()
    assert set(prior.points) == {t.name for t in spec.terms}
    assert all(len(prior.rationale[name]) == len(pts) for name, pts in prior.points.items())
    assert prior.kind == "prior" and 0 < prior.risk(0) < 0.01
    vonnis = prior.points["eviction_stage"][spec.terms[0].bin_labels().index("vonnis")]
    first_arrears = prior.points["last_arrears_months"][2]  # 1 – 2 months
    assert vonnis > first_arrears


def test_combinations_are_compiled_by_the_rules_engine_next_to_the_features():
    con = duckdb.connect()
    migrate(con)
    as_of = date(2026, 10, 31)
    con.execute(
        """insert into int_household__features (as_of_date, household_id, address_key, gemeente, wijk, buurt,
           wijkteam, nuisance_reports_short_window, nuisance_reports_long_window, ggd_reports_long_window,
           distinct_sources, financial_signals_stacking_window, has_financial_signal, first_signal_date,
           last_signal_date, days_since_first_signal, last_arrears_months, water_signals_long_window)
           values (?, 'both', 'a', 'g', 'w', 'b', 't', 0, 2, 0, 2, 1, true, ?, ?, 10, 1.5, 0),
                  (?, 'arrears', 'b', 'g', 'w', 'b', 't', 0, 0, 0, 1, 1, true, ?, ?, 10, 1.5, 0),
                  (?, 'care', 'c', 'g', 'w', 'b', 't', 0, 0, 1, 1, 0, false, ?, ?, 10, null, 0)""",
        [as_of, as_of, as_of] * 3,
    )
    sql, params = scored_features_sql(load_spec())
    frame = con.sql(sql, params={**params, "as_of": as_of}).pl()
    combos = dict(zip(frame["household_id"], frame["arrears_and_care"], strict=True))
    assert combos == {"both": True, "arrears": False, "care": False}
    bins = bin_indices(frame, load_spec())
    assert bins["arrears_and_care"].to_list() == [1 if h == "both" else 0 for h in frame["household_id"]]
