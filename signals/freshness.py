"""Freshness: has every configured supplier delivered within its cadence, as known on the as-of date?

A silent supplier does not block a run (the lists are published from what did arrive) but is
named in the run summary, `vroeg runs` and the portal, so someone phones them. The cadence is
configuration (config/suppliers.yaml, `cadence_days`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from signals.registry import SupplierConfig


@dataclass(frozen=True)
class FreshnessWarning:
    supplier_code: str
    message_nl: str


LAST_DELIVERIES = """
select supplier_code, max(received_date) as last_received
from raw_delivery
where received_date <= $as_of and status = 'geaccepteerd'  -- a rejected file is not a delivery of data
group by supplier_code
"""


def stale_suppliers(
    con: duckdb.DuckDBPyConnection, config: SupplierConfig, as_of: date
) -> list[FreshnessWarning]:
    """One warning per supplier whose last delivery (known on `as_of`) is older than its cadence
    plus the grace days, or who never delivered."""
    expected = pl.DataFrame(
        {
            "supplier_code": [s.code for s in config.suppliers],
            "name": [s.name for s in config.suppliers],
            "cadence_days": [s.cadence_days for s in config.suppliers],
        }
    )
    last = con.sql(LAST_DELIVERIES, params={"as_of": as_of}).pl()
    joined = expected.join(last, on="supplier_code", how="left").with_columns(
        (pl.lit(as_of) - pl.col("last_received")).dt.total_days().alias("days_silent")
    )
    allowed = pl.col("cadence_days") + config.freshness_grace_days
    stale = joined.filter(pl.col("last_received").is_null() | (pl.col("days_silent") > allowed))
    warnings = []
    for row in stale.sort("supplier_code").iter_rows(named=True):
        if row["last_received"] is None:
            text = (
                f"{row['name']} heeft nog nooit een geaccepteerde levering gedaan "
                f"(verwacht: elke {row['cadence_days']} dagen)."
            )
        else:
            text = (
                f"{row['name']} leverde voor het laatst een geaccepteerde levering op "
                f"{row['last_received']:%d-%m-%Y}, {row['days_silent']} dagen voor de peildatum "
                f"(verwacht: elke {row['cadence_days']} dagen)."
            )
        warnings.append(FreshnessWarning(row["supplier_code"], text))
    return warnings
