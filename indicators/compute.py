"""Computing the indicators from the warehouse and storing them as aggregates (agg_indicator).

Set-based in DuckDB: the SQL in indicators/sql/ (one step per file) builds scratch tables of
evictions and areas, then one row per (indicator, level, area, year). Which years are (re)computed
follows `years_to_compute`: a year is recomputed until its closing date (late deliveries count,
indicators/config.py), then it keeps the rows stored before, each saying which closing date it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources

import duckdb
import polars as pl

from indicators.config import IndicatorConfig, recompute_until
from signals.features import link_signals
from signals.registrations import ddas_vocabulary
from signals.retention import RetentionConfig


def sql(name: str) -> str:
    return resources.files("indicators").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


@dataclass
class ComputeResult:
    years: list[int]
    rows: int


def years_to_compute(
    con: duckdb.DuckDBPyConnection, as_of: date, config: IndicatorConfig, terms: RetentionConfig
) -> list[int]:
    """Years with source rows (or the as-of year) that are still open, or were never stored.

    Open: the as-of date is before the year's closing date (`recompute_until`). A year that was
    never stored (the first run after go-live) is computed once from what is there; take the history
    in without purging (`vroeg nightly --no-purge`) so that is complete.
    """
    candidates = {
        y
        for (y,) in con.execute(
            """select distinct year(stage_date) from stg_ontruiming where known_date <= $as_of
               union select distinct year(report_date) from stg_overlast where known_date <= $as_of
               union select distinct year(event_date) from int_signal__linked
                     where is_financial and known_date <= $as_of and event_date <= $as_of
               union select year($as_of)""",
            {"as_of": as_of},
        ).fetchall()
    }
    stored = {y for (y,) in con.execute("select distinct year from agg_indicator").fetchall()}
    return sorted(y for y in candidates if as_of < recompute_until(y, config, terms) or y not in stored)


def indicator_rows(
    con: duckdb.DuckDBPyConnection, as_of: date, years: list[int], config: IndicatorConfig
) -> pl.DataFrame:
    """One row per (indicator, level, gemeente, area, year) for `years`, as known on `as_of`, unsuppressed."""
    buckets = {"bucket_edges": list(config.lead_time_bucket_weeks), "bucket_labels": config.bucket_labels}
    con.execute(sql("areas"))
    # what was known on the as-of date (int_signal__linked.sql, known_signal), once for every step
    con.execute(
        """create or replace temp table _known_signal as
           select feed, is_financial, address_key, event_date, contract_id, stage
           from known_signal($as_of)""",
        {"as_of": as_of},
    )
    con.execute(
        "create or replace temp table _year as select unnest($years)::integer as year", {"years": years}
    )
    con.execute(sql("evictions"), {"lookback_months": config.lookback_months, **buckets})
    evictions = con.sql(sql("eviction_aggregates"), params={"bucket_labels": config.bucket_labels}).pl()
    nuisance = con.sql(sql("nuisance_aggregates")).pl()
    vocabulary = ddas_vocabulary()
    monitor = con.sql(
        sql("monitor"),
        params={
            "as_of": as_of,
            "repeat_window_months": config.repeat_window_months,
            "soorten": list(vocabulary["EnumContactsoort"]),
            "eindresultaten": list(vocabulary["EnumEindresultaat"]),
        },
    ).pl()
    for scratch in ("_eviction", "_area", "_address_area", "_year", "_known_signal"):
        con.execute(f"drop table if exists {scratch}")
    return pl.concat([evictions, nuisance, monitor], how="diagonal_relaxed")


def compute_indicators(
    con: duckdb.DuckDBPyConnection, as_of: date, config: IndicatorConfig, terms: RetentionConfig
) -> ComputeResult:
    """Recompute the open years' rows of agg_indicator (replacing them); closed years stay as stored."""
    link_signals(con)  # up to date with staging; incremental, so a no-op after the nightly's feature step
    years = years_to_compute(con, as_of, config, terms)
    closing = config.year_closes_on
    rows = indicator_rows(con, as_of, years, config).with_columns(
        pl.lit(as_of).alias("computed_as_of"),
        pl.lit(config.version).alias("config_version"),
        pl.date(pl.col("year") + 1, closing.month, closing.day).alias("year_closes_on"),
    )
    con.execute("begin")
    try:
        con.execute("delete from agg_indicator where list_contains($years, year)", {"years": years})
        con.register("_new_indicator", rows)
        con.execute("insert into agg_indicator by name select * from _new_indicator")
        con.unregister("_new_indicator")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return ComputeResult(years=years, rows=rows.height)
