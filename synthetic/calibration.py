"""Calibration of the generated world against published national figures (PRODUCT.md).

Counts are summed over regions first, so a multi-region run reports one figure per metric.
Definitions (all over the delivered period, after the burn-in):
1. financial signals per 1,000 inhabitants per month: distinct bron_referentie of delivered
   huurachterstand and waterafsluiting rows (re-delivered corrections and duplicate files count
   once), divided by the mean number of inhabitants and the number of months;
2. share of corporation tenants in arrears: mean over months of the share of corporation households
   with rent arrears above zero;
3. executed evictions per 10,000 corporation homes per year;
4. repeat signals: for every calendar month, the addresses with a delivered financial signal that
   month; the share of them with another one in the next 6 months (months whose 6-month window
   ends after the period are left out), pooled over months.
"""

from dataclasses import dataclass, field, fields

import numpy as np
import polars as pl


@dataclass(frozen=True)
class CalibrationRow:
    """One line of the calibration table; `within_30pct` is None for informational rows.
    `group` is "calibration" (against published figures) or "realism" (how hard the region is to
    rank, see realism.py)."""

    metric: str
    value: float
    target: float | None
    unit: str
    within_30pct: bool | None
    group: str = "calibration"


@dataclass
class CalibrationCounts:
    """Numerators and denominators, additive over regions."""

    financial_signals: int = 0
    inhabitant_months: float = 0.0
    corp_household_months: int = 0
    corp_arrears_months: int = 0
    executed_evictions: int = 0
    corp_homes: int = 0
    repeat_index: int = 0
    repeat_again: int = 0
    vonnissen: int = 0
    vonnissen_executed: int = 0
    ggd_meldingen: int = 0
    overlast_meldingen: int = 0
    households: int = 0
    inhabitants: int = 0
    dwellings: int = 0
    months: int = field(default=0, compare=False)

    def add(self, other: "CalibrationCounts") -> None:
        for f in fields(self):
            if f.name != "months":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def repeat_counts(signals: pl.DataFrame, month_start: np.ndarray, first: int, last: int) -> tuple[int, int]:
    """(address-months with a financial signal, of which signalled again within 6 months).

    `signals` has columns address_id and day; months are indices into `month_start`, and only
    index months first..last-6 count.
    """
    month = np.searchsorted(month_start, signals["day"].to_numpy(), side="right") - 1
    cells = signals.select("address_id").with_columns(pl.Series("month", month)).unique()
    index = cells.filter((pl.col("month") >= first) & (pl.col("month") <= last - 6))
    later = (
        index.join(cells, on="address_id", suffix="_later")
        .filter((pl.col("month_later") > pl.col("month")) & (pl.col("month_later") <= pl.col("month") + 6))
        .select("address_id", "month")
        .unique()
    )
    return index.height, later.height


def calibration_rows(c: CalibrationCounts) -> list[CalibrationRow]:
    """The calibration table: four targets first, then informational figures."""
    years = c.months / 12
    mean_inhabitants = c.inhabitant_months / max(c.months, 1)

    def target(metric: str, value: float, goal: float, unit: str) -> CalibrationRow:
        return CalibrationRow(metric, value, goal, unit, abs(value - goal) <= 0.3 * goal)

    def info(metric: str, value: float, goal: float | None, unit: str) -> CalibrationRow:
        return CalibrationRow(metric, value, goal, unit, None)

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")

    return [
        target(
            "financiele signalen per 1.000 inwoners per maand",
            ratio(1000 * c.financial_signals, c.inhabitant_months),
            4.0,
            "per 1,000 per month",
        ),
        target(
            "aandeel corporatiehuurders met huurachterstand",
            ratio(100 * c.corp_arrears_months, c.corp_household_months),
            6.0,
            "%",
        ),
        target(
            "uitgevoerde ontruimingen per 10.000 corporatiewoningen per jaar",
            ratio(10_000 * c.executed_evictions, c.corp_homes * years),
            5.0,
            "per 10,000 per year",
        ),
        target(
            "adressen opnieuw gesignaleerd binnen 6 maanden",
            ratio(100 * c.repeat_again, c.repeat_index),
            40.0,
            "%",
        ),
        info(
            "vonnissen nooit uitgevoerd",
            ratio(100 * (c.vonnissen - c.vonnissen_executed), c.vonnissen),
            75.0,
            "%",
        ),
        info(
            "GGD-meldingen per 1.000 inwoners per jaar",
            ratio(1000 * c.ggd_meldingen, mean_inhabitants * years),
            None,
            "per 1,000 per year",
        ),
        info(
            "overlastmeldingen per 1.000 corporatiewoningen per jaar",
            ratio(1000 * c.overlast_meldingen, c.corp_homes * years),
            None,
            "per 1,000 per year",
        ),
        info("aandeel corporatiewoningen", ratio(100 * c.corp_homes, c.dwellings), 33.3, "%"),
        info("inwoners (einddatum)", c.inhabitants, None, "persons"),
        info("huishoudens (einddatum)", c.households, None, "households"),
    ]


GROUP_TITLES = {
    "realism": "Hoe moeilijk is de regio (grondwaarheid; geen doelen, zie synthetic/realism.py)",
}


def format_table(rows: list[CalibrationRow]) -> str:
    """A plain-text table for the terminal; each group after the first gets its own heading."""
    width = max(len(r.metric) for r in rows)
    lines = [
        f"{'metric':<{width}}  {'value':>10}  {'target':>10}  {'±30%':<5}  unit",
        "-" * (width + 45),
    ]
    group = rows[0].group if rows else ""
    for r in rows:
        if r.group != group:
            group = r.group
            lines += ["", GROUP_TITLES.get(group, group), "-" * (width + 45)]
        digits = (
            0
            if abs(r.value) >= 1000 or r.unit in ("persons", "households", "month-ends", "household-months")
            else 2
        )
        goal = "" if r.target is None else f"{r.target:,.{digits}f}"
        check = {True: "ok", False: "MISS", None: ""}[r.within_30pct]
        lines.append(f"{r.metric:<{width}}  {r.value:>10,.{digits}f}  {goal:>10}  {check:<5}  {r.unit}")
    return "\n".join(lines)
