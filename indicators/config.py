"""config/indicators.yaml, checked on load, and the rule for which years a run may recompute.

A year stays open for late deliveries until its closing date (`year_closes_on`, a day of the
following year, default 1 April): every nightly run before that date recomputes it from the raw
rows, from that date its stored figures are final. The retention terms must keep every row the
year's figures need until then (`recompute_until` refuses otherwise).
"""

from __future__ import annotations

import itertools
from datetime import date
from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from signals.registry import config_dir
from signals.retention import RetentionConfig


class YearClosing(BaseModel):
    """A day of the year after: the closing date of a year's figures (`month` 4, `day` 1: 1 April)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _a_day_of_every_year(self) -> YearClosing:
        try:
            date(2027, self.month, self.day)  # not a leap year: 29 February is not a closing date
        except ValueError as exc:
            raise ValueError(f"year_closes_on: no such day in every year ({self.day}-{self.month})") from exc
        return self


class IndicatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    baseline_year: int
    min_cell: int = Field(gt=1)
    lookback_months: int = Field(gt=0)
    lead_time_bucket_weeks: tuple[int, ...] = Field(min_length=1)
    repeat_window_months: int = Field(gt=0)
    secondary_label: str = Field(min_length=1)
    year_closes_on: YearClosing = YearClosing(month=4, day=1)

    @field_validator("lead_time_bucket_weeks")
    @classmethod
    def _increasing(cls, edges: tuple[int, ...]) -> tuple[int, ...]:
        if list(edges) != sorted(set(edges)) or edges[0] <= 0:
            raise ValueError("lead_time_bucket_weeks: positive, strictly increasing week numbers")
        return edges

    def closing_date(self, year: int) -> date:
        """The day from which the stored figures of `year` are final (in the year after)."""
        return date(year + 1, self.year_closes_on.month, self.year_closes_on.day)

    @property
    def bucket_labels(self) -> list[str]:
        """Indicator suffixes of the lead-time buckets: 0_4w, 4_8w, …, 13w_plus."""
        lower = (0, *self.lead_time_bucket_weeks)
        upper = self.lead_time_bucket_weeks
        return [f"{a}_{b}w" for a, b in zip(lower, upper, strict=False)] + [f"{upper[-1]}w_plus"]

    @property
    def bucket_labels_nl(self) -> list[str]:
        edges = self.lead_time_bucket_weeks
        middle = [f"{a} tot {b} weken" for a, b in itertools.pairwise(edges)]
        return [f"minder dan {edges[0]} weken", *middle, f"{edges[-1]} weken of meer"]


@cache
def indicator_config() -> IndicatorConfig:
    return IndicatorConfig.model_validate(
        yaml.safe_load((config_dir() / "indicators.yaml").read_text(encoding="utf-8"))
    )


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, day.day)


def safe_months(config: IndicatorConfig, terms: RetentionConfig) -> int:
    """Months after a year's first day during which none of the rows its figures need can be purged.

    Signals go `months` after the household's last signal (which is on or after the event), so an
    eviction, report or financial signal of 1 January may go 12 months later; list entries and
    contact attempts are looked at up to `lookback_months` before an eviction, so they may go that
    much earlier.
    """
    signal_months = min(
        terms.signals[f].months
        for f in ("ontruiming", "overlast", "huurachterstand", "waterafsluiting", "ddas")
    )
    return min(
        signal_months,
        terms.lists_months - config.lookback_months,
        terms.registrations_months - config.lookback_months,
    )


def recompute_until(year: int, config: IndicatorConfig, terms: RetentionConfig) -> date:
    """The first as-of date on which `year` is no longer recomputed from raw rows: its closing date.

    Raises when the retention terms would let source rows of the year go before its closing date:
    a recompute after that would count fewer than were delivered.
    """
    closes = config.closing_date(year)
    purged_from = _add_months(date(year, 1, 1), safe_months(config, terms))
    if purged_from < closes:
        raise ValueError(
            f"retention terms too short for yearly indicators: rows of {year} may be purged from "
            f"{purged_from}, before the year closes on {closes} (config/indicators.yaml year_closes_on "
            "and lookback_months against config/retention.yaml)"
        )
    return closes
