"""The realism ("room") measurement: definitions on a few inline rows, and the default region."""

import json
from datetime import date

import numpy as np
import polars as pl
import pytest

from synthetic import generate_region
from synthetic.deliveries import schedule
from synthetic.realism import known_rows, realism_counts, team_capacities

# 30-day months, no burn-in: month 12 (month-end day 389) is the only evaluable month-end.
MONTH_START = np.arange(0, 30 * 21, 30)
END_DAY = 389 + 182


def _known(rows: list[tuple[int, int, str, str | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "household_id": pl.Int64,
            "delivery_day": pl.Int32,
            "feed": pl.String,
            "fase": pl.String,
            "arrears_eur": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.col("delivery_day").alias("order_day"))


def _counts(known: pl.DataFrame, risk: dict[int, float], escalations: list[tuple[int, int]]):
    latent = pl.DataFrame(
        {"household_id": list(risk), "month": [12] * len(risk), "latent_risk": list(risk.values())},
        schema={"household_id": pl.Int64, "month": pl.Int32, "latent_risk": pl.Float32},
    )
    esc = pl.DataFrame(escalations, schema={"household_id": pl.Int64, "day": pl.Int32}, orient="row")
    teams = pl.DataFrame({"household_id": list(risk), "wijkteam": ["t"] * len(risk)})
    return realism_counts(known, latent, esc, teams, {"t": 1}, MONTH_START, 0, END_DAY)


def test_rankings_and_definitions_on_inline_rows():
    known = _known(
        [
            (1, 300, "huurachterstand", None, 500.0),  # biggest arrears, does not escalate
            (2, 350, "ontruiming", "vonnis", None),  # running procedure, escalates
            (3, 380, "ggd_melding", None, None),  # only a weak signal, escalates: early warning
            (4, 390, "huurachterstand", None, 800.0),  # delivered the day after M: not known yet
            (5, 10, "huurachterstand", None, 900.0),  # more than 365 days before M
            (6, 200, "ontruiming", "dagvaarding", None),
            (6, 300, "ontruiming", "ingetrokken", None),  # withdrawn: not running
        ]
    )
    c = _counts(
        known,
        {1: 0.1, 2: 0.2, 3: 0.9, 4: 0.5, 5: 0.0, 6: 0.0},
        [(2, 400), (3, 500), (4, 450), (6, 389), (1, 389 + 183)],
    )
    assert c.month_ends == 1 and c.slots == 1
    assert c.candidates == 4  # households 1, 2, 3 and 6
    assert (c.escalating, c.escalating_early, c.escalating_all) == (2, 1, 3)
    assert (c.at_vonnis, c.at_vonnis_escalating, c.at_dagvaarding) == (1, 1, 0)
    # Capacity 1: the ceiling takes household 3, the stage baseline 2, the arrears baseline 1.
    assert (c.found_ceiling, c.found_stage, c.found_arrears) == (1, 1, 0)
    assert (c.found_early_ceiling, c.found_early_stage, c.found_early_arrears) == (1, 0, 0)
    # Combinations of feeds: household 1 has rent arrears only, household 3 a GGD melding only.
    assert (c.arrears_only, c.arrears_only_escalating) == (1, 0)
    assert (c.ontregeling_only, c.ontregeling_only_escalating) == (1, 1)
    assert c.arrears_ontregeling == c.arrears_water == 0


def test_households_that_left_are_not_candidates():
    known = _known([(1, 300, "huurachterstand", None, 500.0), (2, 300, "huurachterstand", None, 400.0)])
    latent_only_2 = {2: 0.3}
    c = _counts(known, latent_only_2, [(1, 400)])
    assert c.candidates == 1 and c.escalating == 0 and c.escalating_all == 0


def test_rejected_rows_do_not_count():
    rows = pl.DataFrame(
        {
            "_row": [0, 1],
            "_household_id": [1, 2],
            "_delivery": [300, 300],
            "_known_day": [298, 298],
            "signaaldatum": [date(1970, 10, 26)] * 2,
            "achterstand_eur": [100.0, 200.0],
        }
    )
    overrides = pl.DataFrame({"_row": [1], "column": ["postcode"], "value": ["x"], "kind": ["k"]})
    known = known_rows(rows, overrides, "huurachterstand")
    assert known["household_id"].to_list() == [1]
    assert known["order_day"].to_list() == [298]


def test_team_capacities_follow_the_config():
    region1, region2 = team_capacities(1), team_capacities(2)
    assert sum(region1.values()) == 212
    assert region1["zaanstad-poelenburg"] == 25
    assert sorted(region2.values()) == sorted(region1.values())
    assert all(code.startswith("r002-") for code in region2)


def _rows(result) -> dict[str, float]:
    return {r.metric: r.value for r in result.calibration if r.group == "realism"}


def test_default_region_leaves_room_above_simple_baselines(default_region):
    """The world the review asked for: procedures mostly do not end in eviction, many escalations
    start outside a procedure, and the true risk finds clearly more than the best simple
    baseline without finding (nearly) everything."""
    root, result = default_region
    rows = _rows(result)
    ceiling = rows["vondst bij capaciteit: plafond (latent_risk)"]
    best = max(
        rows["vondst bij capaciteit: fase, dan achterstand"],
        rows["vondst bij capaciteit: alleen achterstand"],
    )
    assert rows["escalerende huishoudens onder kandidaten"] >= 30
    assert ceiling >= 1.15 * best
    assert ceiling <= 95
    assert 30 <= rows["escalaties buiten een lopende procedure"] <= 70
    assert rows["P(escalatie binnen 6 maanden | dagvaarding)"] <= 60
    assert rows["P(escalatie binnen 6 maanden | vonnis)"] <= 60
    # Risk lives in combinations: arrears with GGD/nuisance escalate far more than arrears alone.
    alone = rows["P(escalatie | alleen huurachterstand)"]
    assert rows["P(escalatie | huurachterstand + GGD/overlast)"] >= 2 * alone
    stored = json.loads((root / "ground_truth" / "calibration.json").read_text(encoding="utf-8"))
    assert {c["group"] for c in stored["calibration"]} == {"calibration", "realism"}
    assert "Hoe moeilijk is de regio" in result.format_calibration()


def test_strain_shows_in_water_rows_before_the_first_rent_signal(default_region):
    """A household heading into rent arrears usually falls behind on water first."""
    root, _ = default_region
    events = pl.read_parquet(root / "ground_truth" / "events.parquet").filter(
        pl.col("bron_referentie").is_not_null()
    )
    first_rent = (
        events.filter(pl.col("event") == "huurachterstand")
        .group_by("household_id")
        .agg(pl.col("date").min().alias("first"))
        .filter(pl.col("first") >= pl.date(2024, 6, 1))
    )
    water = events.filter(pl.col("event") == "waterafsluiting").select("household_id", "date")
    before = (
        first_rent.join(water, on="household_id", how="left")
        .with_columns(
            pl.col("date").is_between(pl.col("first").dt.offset_by("-183d"), pl.col("first"), closed="left")
        )
        .group_by("household_id")
        .agg(pl.col("date").fill_null(False).any())
    )
    households = pl.read_parquet(root / "ground_truth" / "households.parquet")
    corp = households.filter((pl.col("tenure") == "corporatie") & pl.col("moved_in_date").is_null())
    base = corp.join(
        water.filter(pl.col("date").is_between(pl.date(2025, 7, 1), pl.date(2025, 12, 31))),
        on="household_id",
        how="semi",
    ).height / max(corp.height, 1)
    assert first_rent.height > 1_000
    assert before["date"].mean() >= 0.2
    assert before["date"].mean() >= 4 * base


def test_elders_is_another_world_under_the_same_seed(tmp_path):
    args = {"households": 400, "months": 14, "seed": 11}
    default = generate_region(tmp_path / "a", **args)
    elders = generate_region(tmp_path / "b", variant="elders", **args)
    assert elders.variant == "elders" and default.variant == "zaanstreek"
    generation = json.loads((tmp_path / "b" / "ground_truth" / "generation.json").read_text(encoding="utf-8"))
    assert generation["variant"] == "elders"
    a = pl.read_parquet(tmp_path / "a" / "ground_truth" / "latent.parquet")
    b = pl.read_parquet(tmp_path / "b" / "ground_truth" / "latent.parquet")
    assert not a.equals(b)
    with pytest.raises(ValueError, match="unknown variant"):
        generate_region(tmp_path / "c", variant="nergens", **args)


def test_late_rows_come_one_to_max_weeks_later():
    known = np.arange(20_000, 20_000 + 70_000) // 7 * 7  # Thursdays
    rows = pl.DataFrame({"_known_day": known})
    rng = np.random.default_rng(5)
    on_time = schedule(rows, 0, 0, 10**6, rng, late=(0.0, 1))["_delivery"].to_numpy()
    late = schedule(rows, 0, 0, 10**6, np.random.default_rng(5), late=(0.3, 4))["_delivery"].to_numpy()
    weeks = (late - on_time) // 7
    assert ((late - on_time) % 7 == 0).all()
    assert set(np.unique(weeks)) == {0, 1, 2, 3, 4}
    assert abs((weeks > 0).mean() - 0.3) < 0.01
    # Monday deliveries (weekday 0): 1970-01-01 was a Thursday.
    assert ((on_time + 3) % 7 == 0).all()
