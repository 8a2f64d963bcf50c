"""How hard the region is to rank: realism and "room" figures measured on the ground truth.

The calibration table says whether the world has the right size; these figures say whether it
leaves room for a better ranking, measured without any model of the pipeline. Definitions:

- month-ends M: every delivered month-end from the 13th delivered month on (so a full year of
  deliveries lies behind it) whose horizon M + 182 days lies within the delivered period;
- candidates at M: households living in the region at M with a delivered row (any feed) whose
  delivery day lies in the 365 days up to M. Rows rejected at intake (the injected bad rows) do
  not count; what a household "shows" is what was delivered by M, as the pipeline would know it;
- escalation: an eviction procedure of the household reaches aanzegging, ontruiming_gepland or
  ontruiming_uitgevoerd (true event dates) in (M, M + 182 days];
- running procedure at M: the latest delivered ontruiming row (by fase_datum) is dagvaarding,
  vonnis, aanzegging or ontruiming_gepland; none, ingetrokken and uitgevoerd are not running;
- rankings per wijkteam and month-end, top `capacity_per_week` of config/teams.yaml (a replicated
  region's team takes the capacity of the region-1 team with the same index):
  ceiling   latent_risk of M's month (the generator's own 6-month probability);
  stage     latest delivered stage (gepland > aanzegging > vonnis > dagvaarding > none), then the
            achterstand_eur of the latest delivered huurachterstand row (0 without one);
  arrears   that amount only.
  Ties are broken by a fixed pseudo-random key per household.
- recall: escalating candidate household-months in the top, over all escalating candidate
  household-months; "early" counts only those not in a running procedure at M. Realised recall
  rests on a few dozen escalating households per region, so seeds differ by several points;
- combinations: P(escalation) among candidates by the feeds delivered in the 365 days up to M:
  rent arrears with a GGD melding or nuisance report, rent arrears with a water row, rent arrears
  alone, GGD/nuisance without rent arrears.
"""

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from synthetic.calibration import CalibrationRow
from synthetic.geography import TEAMS, region_teams

TEAMS_YAML = Path(__file__).resolve().parents[1] / "config" / "teams.yaml"
DEFAULT_CAPACITY = 15  # per week, when config/teams.yaml is not there (the package used alone)
HORIZON_DAYS = 182
HISTORY_DAYS = 365
FIRST_MONTH = 12  # delivered month index: the 13th delivered month
RUNNING = {"dagvaarding": 1, "vonnis": 2, "aanzegging": 3, "ontruiming_gepland": 4}
RANKINGS = ("ceiling", "stage", "arrears")
_A, _O, _W = pl.col("a"), pl.col("o"), pl.col("w")
COMBINATIONS = {
    "arrears_ontregeling": _A & _O,
    "arrears_water": _A & _W & ~_O,
    "arrears_only": _A & ~_O & ~_W,
    "ontregeling_only": _O & ~_A,
}


@dataclass
class RealismCounts:
    """Numerators and denominators, additive over regions."""

    month_ends: int = 0
    slots: int = 0  # capacity summed over teams and month-ends
    candidates: int = 0  # candidate household-months
    escalating_all: int = 0  # escalating household-months of living households, candidates or not
    escalating: int = 0  # ... of candidates
    escalating_early: int = 0  # ... not in a running procedure at M
    escalating_households: int = 0
    at_dagvaarding: int = 0
    at_dagvaarding_escalating: int = 0
    at_vonnis: int = 0
    at_vonnis_escalating: int = 0
    found_ceiling: int = 0
    found_stage: int = 0
    found_arrears: int = 0
    found_early_ceiling: int = 0
    found_early_stage: int = 0
    found_early_arrears: int = 0
    arrears_ontregeling: int = 0  # candidates with rent arrears and a GGD/nuisance row
    arrears_ontregeling_escalating: int = 0
    arrears_water: int = 0  # ... with rent arrears and a water row, no GGD/nuisance
    arrears_water_escalating: int = 0
    arrears_only: int = 0
    arrears_only_escalating: int = 0
    ontregeling_only: int = 0  # ... with a GGD/nuisance row, no rent arrears
    ontregeling_only_escalating: int = 0

    def add(self, other: "RealismCounts") -> None:
        for f in fields(self):
            if f.name != "month_ends":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.month_ends = max(self.month_ends, other.month_ends)


def team_capacities(region: int, path: Path = TEAMS_YAML) -> dict[str, int]:
    """Weekly capacity per team code of `region`, from config/teams.yaml."""
    config = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    default = int(config.get("default_capacity_per_week", DEFAULT_CAPACITY))
    by_code = {t["code"]: int(t.get("capacity_per_week", default)) for t in config.get("teams", [])}
    return {
        team.code: by_code.get(base.code, default)
        for team, base in zip(region_teams(region), TEAMS, strict=True)
    }


def known_rows(rows: pl.DataFrame, overrides: pl.DataFrame, feed: str) -> pl.DataFrame:
    """The delivered rows of one supplier feed that intake accepts: household, delivery day, and
    the stage or arrears amount the measurement ranks on."""
    accepted = rows.join(overrides.select("_row").unique(), on="_row", how="anti")
    stage = pl.col("fase") if feed == "ontruiming" else pl.lit(None, pl.String)
    # The date a row is about, as delivered (a corrected row first carries a wrong one).
    order = {"ontruiming": "fase_datum", "huurachterstand": "signaaldatum"}.get(feed)
    order_day = pl.col(order).cast(pl.Int32) if order else pl.col("_known_day")
    return accepted.select(
        pl.col("_household_id").alias("household_id"),
        pl.col("_delivery").cast(pl.Int32).alias("delivery_day"),
        pl.lit(feed).alias("feed"),
        stage.alias("fase"),
        order_day.cast(pl.Int32).alias("order_day"),
        (
            pl.col("achterstand_eur").cast(pl.Float64)
            if feed == "huurachterstand"
            else pl.lit(None, pl.Float64)
        ).alias("arrears_eur"),
    )


def _tie_key(household_id: pl.Series) -> pl.Series:
    """A fixed pseudo-random number per household (splitmix64), stable across library versions."""
    x = household_id.to_numpy().astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return pl.Series("tie", (x >> np.uint64(11)).astype(np.float64) / 2.0**53)


def realism_counts(
    known: pl.DataFrame,
    latent: pl.DataFrame,
    escalations: pl.DataFrame,
    teams: pl.DataFrame,
    capacity: dict[str, int],
    month_start: np.ndarray,
    burn_in: int,
    end_day: int,
) -> RealismCounts:
    """The counts behind the realism rows for one region.

    known: `known_rows` of every feed; latent: household_id, month (index), latent_risk;
    escalations: household_id, day of every true aanzegging, gepland and uitgevoerd event;
    teams: household_id, wijkteam.
    """
    month = np.arange(burn_in + FIRST_MONTH, len(month_start) - 1)
    m_day = month_start[month + 1] - 1
    keep = m_day + HORIZON_DAYS <= end_day
    ends = pl.DataFrame(
        {"month": month[keep], "m_day": m_day[keep]}, schema={"month": pl.Int32, "m_day": pl.Int32}
    )
    if ends.is_empty():
        return RealismCounts()
    known = known.filter(pl.col("delivery_day") <= ends["m_day"].max())
    seen = known.join(ends, how="cross").filter(pl.col("delivery_day") <= pl.col("m_day"))
    recent = seen.filter(pl.col("delivery_day") > pl.col("m_day") - HISTORY_DAYS)
    feeds = recent.group_by("household_id", "month").agg(
        (pl.col("feed") == "huurachterstand").any().alias("a"),
        pl.col("feed").is_in(["ggd_melding", "overlast"]).any().alias("o"),
        (pl.col("feed") == "waterafsluiting").any().alias("w"),
    )
    last = ["household_id", "month"]
    stage = (
        seen.filter(pl.col("feed") == "ontruiming")
        .sort("order_day", "delivery_day")
        .group_by(last)
        .agg(pl.col("fase").last())
        .select(*last, pl.col("fase").replace_strict(RUNNING, default=0, return_dtype=pl.Int8).alias("stage"))
    )
    arrears = (
        recent.filter(pl.col("feed") == "huurachterstand")
        .sort("order_day", "delivery_day")
        .group_by(last)
        .agg(pl.col("arrears_eur").last())
    )
    window = ends.join(escalations, how="cross").filter(
        (pl.col("day") > pl.col("m_day")) & (pl.col("day") <= pl.col("m_day") + HORIZON_DAYS)
    )
    escalating = window.select(*last).unique().with_columns(pl.lit(True).alias("y"))
    living = latent.select("household_id", "month", "latent_risk")
    cand = (
        feeds.join(living, on=last)
        .join(stage, on=last, how="left")
        .join(arrears, on=last, how="left")
        .join(escalating, on=last, how="left")
        .join(teams, on="household_id")
        .with_columns(
            pl.col("stage").fill_null(0),
            pl.col("arrears_eur").fill_null(0.0),
            pl.col("y").fill_null(False),
        )
        .sort(*last)
    )
    cand = cand.with_columns(_tie_key(cand["household_id"]))
    cap = pl.DataFrame(
        {"wijkteam": list(capacity), "capacity": list(capacity.values())},
        schema={"wijkteam": pl.String, "capacity": pl.Int32},
    )
    cand = cand.join(cap, on="wijkteam", how="left").with_columns(
        pl.col("capacity").fill_null(DEFAULT_CAPACITY)
    )
    keys = {
        "ceiling": ["latent_risk"],
        "stage": ["stage", "arrears_eur"],
        "arrears": ["arrears_eur"],
    }
    group = ["month", "wijkteam"]
    for name, by in keys.items():
        rank = pl.struct(*by, "tie").rank("ordinal", descending=True).over(group)
        cand = cand.with_columns((rank <= pl.col("capacity")).alias(f"top_{name}"))
    early = pl.col("y") & (pl.col("stage") == 0)
    s = cand.select(
        pl.len().alias("candidates"),
        pl.col("y").sum().alias("escalating"),
        early.sum().alias("escalating_early"),
        pl.col("household_id").filter("y").n_unique().alias("escalating_households"),
        (pl.col("stage") == 1).sum().alias("at_dagvaarding"),
        ((pl.col("stage") == 1) & pl.col("y")).sum().alias("at_dagvaarding_escalating"),
        (pl.col("stage") == 2).sum().alias("at_vonnis"),
        ((pl.col("stage") == 2) & pl.col("y")).sum().alias("at_vonnis_escalating"),
        *[(pl.col(f"top_{r}") & pl.col("y")).sum().alias(f"found_{r}") for r in RANKINGS],
        *[(pl.col(f"top_{r}") & early).sum().alias(f"found_early_{r}") for r in RANKINGS],
        *[
            expr
            for name, combo in COMBINATIONS.items()
            for expr in (combo.sum().alias(name), (combo & pl.col("y")).sum().alias(f"{name}_escalating"))
        ],
    ).row(0, named=True)
    slots = (
        cand.select("month", "wijkteam", "capacity").unique().select(pl.col("capacity").sum()).item()
        if cand.height
        else 0
    )
    living_escalating = window.select(*last).unique().join(living.select(*last), on=last).height
    return RealismCounts(
        month_ends=ends.height,
        slots=int(slots),
        escalating_all=living_escalating,
        **{k: int(v or 0) for k, v in s.items()},
    )


def realism_rows(c: RealismCounts) -> list[CalibrationRow]:
    """Informational rows for the calibration table (no ±30% targets)."""

    def pct(a: float, b: float) -> float:
        return 100 * a / b if b else float("nan")

    def row(metric: str, value: float, unit: str = "%") -> CalibrationRow:
        return CalibrationRow(metric, value, None, unit, None, group="realism")

    recall = {r: pct(getattr(c, f"found_{r}"), c.escalating) for r in RANKINGS}
    early = {r: pct(getattr(c, f"found_early_{r}"), c.escalating_early) for r in RANKINGS}

    def margin(values: dict[str, float]) -> float:
        best = max(values["stage"], values["arrears"])
        return pct(values["ceiling"] - best, best)

    def combo(name: str) -> float:
        return pct(getattr(c, f"{name}_escalating"), getattr(c, name))

    return [
        row("maandeinden beoordeeld", c.month_ends, "month-ends"),
        row(
            "kandidaten (huishoudens met signaal in 365 dagen) per maandeinde",
            c.candidates / max(c.month_ends, 1),
            "households",
        ),
        row(
            "capaciteit per maandeinde (som van de teams, per week)",
            c.slots / max(c.month_ends, 1),
            "households",
        ),
        row("escalerende huishouden-maanden onder kandidaten", c.escalating, "household-months"),
        row("escalerende huishoudens onder kandidaten", c.escalating_households, "households"),
        row("escalaties met een signaal in de 365 dagen ervoor", pct(c.escalating, c.escalating_all)),
        row("escalaties buiten een lopende procedure", pct(c.escalating_early, c.escalating)),
        row(
            "P(escalatie binnen 6 maanden | dagvaarding)", pct(c.at_dagvaarding_escalating, c.at_dagvaarding)
        ),
        row("P(escalatie binnen 6 maanden | vonnis)", pct(c.at_vonnis_escalating, c.at_vonnis)),
        row("vondst bij capaciteit: plafond (latent_risk)", recall["ceiling"]),
        row("vondst bij capaciteit: fase, dan achterstand", recall["stage"]),
        row("vondst bij capaciteit: alleen achterstand", recall["arrears"]),
        row("plafond boven beste basislijn (relatief)", margin(recall)),
        row("vroeg (geen procedure): plafond", early["ceiling"]),
        row("vroeg (geen procedure): fase, dan achterstand", early["stage"]),
        row("vroeg (geen procedure): alleen achterstand", early["arrears"]),
        row("P(escalatie | huurachterstand + GGD/overlast)", combo("arrears_ontregeling")),
        row("P(escalatie | huurachterstand + water, geen GGD/overlast)", combo("arrears_water")),
        row("P(escalatie | alleen huurachterstand)", combo("arrears_only")),
        row("P(escalatie | GGD/overlast, geen huurachterstand)", combo("ontregeling_only")),
    ]
