"""The realism ("room") measurement: definitions on a few inline rows, and the default region."""

from datetime import date

import numpy as np
import polars as pl

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
