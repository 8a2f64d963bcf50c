"""Month indices of a generation: burn-in months, delivered months, and a look-ahead tail."""

from dataclasses import dataclass
from datetime import date

import numpy as np

# The latent risk looks this many months ahead, so the calendar runs that far past end_date.
RISK_HORIZON = 6


@dataclass
class Calendar:
    """Month index -> first day (days since 1970-01-01); delivered months are burn_in.. ."""

    month_start: np.ndarray
    burn_in: int
    n_months: int
    end_day: int

    @property
    def first_day(self) -> int:
        return int(self.month_start[self.burn_in])


def make_calendar(end_date: date, months: int, burn_in: int) -> Calendar:
    """Month starts from the first burn-in month to RISK_HORIZON + 2 months past end_date."""
    total = burn_in + months
    first = end_date.year * 12 + end_date.month - 1 - (total - 1)
    index = first + np.arange(total + RISK_HORIZON + 2)
    starts = np.array([f"{i // 12:04d}-{i % 12 + 1:02d}-01" for i in index], dtype="datetime64[D]")
    end_day = int(np.datetime64(end_date, "D").astype(np.int64))
    return Calendar(starts.astype(np.int64), burn_in, total, end_day)
