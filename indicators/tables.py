"""The Dutch indicator tables of one year, read from agg_indicator, small cells suppressed.

Every table goes through `indicators.suppression.suppress`; the column names are what evaluators
read. Definitions: indicators/DEFINITIONS.md.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from indicators.config import IndicatorConfig
from indicators.suppression import suppress

KEYS = ["level", "gemeente", "area"]
LEVEL_ORDER = {"regio": 0, "gemeente": 1, "wijk": 2}
DUTCH_KEYS = {"level": "niveau", "gemeente": "gemeente", "area": "gebied", "year": "jaar"}


def _stored(con: duckdb.DuckDBPyConnection, years: list[int]) -> pl.DataFrame:
    return con.sql(
        "select indicator, level, gemeente, area, year, count, denominator, value "
        "from agg_indicator where list_contains($years, year)",
        params={"years": years},
    ).pl()


def _wide(stored: pl.DataFrame, year: int, names: dict[str, str]) -> pl.DataFrame:
    """One row per area for `year`: a count column per indicator (and its denominator/value)."""
    rows = stored.filter(pl.col("year") == year, pl.col("indicator").is_in(list(names)))
    wide = rows.pivot(on="indicator", index=[*KEYS, "year"], values=["count", "denominator", "value"]).rename(
        lambda c: c.replace("count_", "n_").replace("denominator_", "d_").replace("value_", "v_")
    )
    # A year with nothing stored gives an empty table with every column.
    wanted = {f"{p}_{n}": t for n in names for p, t in (("n", pl.Int64), ("d", pl.Int64), ("v", pl.Float64))}
    return wide.with_columns(pl.lit(None, t).alias(c) for c, t in wanted.items() if c not in wide.columns)


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(pl.col("level").replace_strict(LEVEL_ORDER), "gemeente", "area", nulls_last=False)


def _per_1000(count: str, homes: str) -> pl.Expr:
    return pl.when(pl.col(homes) > 0).then((1000 * pl.col(count) / pl.col(homes)).round(2))


def _rate_table(stored: pl.DataFrame, indicator: str, year: int, config: IndicatorConfig) -> pl.DataFrame:
    """Count, corporation homes, per 1,000 homes, and the change of that rate against the baseline year."""
    now = _wide(stored, year, {indicator: ""}).select(
        *KEYS, "year", pl.col(f"n_{indicator}").alias("n"), pl.col(f"d_{indicator}").alias("homes")
    )
    base = _wide(stored, config.baseline_year, {indicator: ""})
    if base.is_empty():
        base = pl.DataFrame(
            schema={**{k: pl.String for k in KEYS}, "n_base": pl.Int64, "homes_base": pl.Int64}
        )
    else:
        base = base.select(
            *KEYS, pl.col(f"n_{indicator}").alias("n_base"), pl.col(f"d_{indicator}").alias("homes_base")
        )
    frame = now.join(base, on=KEYS, how="left", nulls_equal=True).with_columns(
        _per_1000("n", "homes").alias("rate"), _per_1000("n_base", "homes_base").alias("rate_base")
    )
    frame = frame.with_columns(
        pl.when(pl.col("rate_base") > 0)
        .then((100 * (pl.col("rate") - pl.col("rate_base")) / pl.col("rate_base")).round(1))
        .alias("change")
    )
    frame = suppress(
        _ordered(frame),
        counts=["n", "homes", "n_base"],
        derived={"rate": ["n", "homes"], "rate_base": ["n_base", "homes_base"], "change": ["n", "n_base"]},
        min_cell=config.min_cell,
    )
    return frame.select(*KEYS, "year", "n", "homes", "rate", "n_base", "rate_base", "change")


def _dutch_rate_table(
    stored: pl.DataFrame, indicator: str, counted: str, year: int, config: IndicatorConfig
) -> pl.DataFrame:
    """A rate table with Dutch headers; `counted` names what is counted ("overlastmeldingen")."""
    by = config.baseline_year
    return _rate_table(stored, indicator, year, config).rename(
        {
            **DUTCH_KEYS,
            "n": counted,
            "homes": "corporatiewoningen",
            "rate": "per 1.000 corporatiewoningen",
            "n_base": f"{counted.split()[-1]} {by}",
            "rate_base": f"per 1.000 corporatiewoningen {by}",
            "change": f"verandering t.o.v. {by} (%)",
        }
    )


def eviction_table(stored: pl.DataFrame, year: int, config: IndicatorConfig) -> pl.DataFrame:
    return _dutch_rate_table(stored, "executed_evictions", "uitgevoerde ontruimingen", year, config)


def nuisance_table(stored: pl.DataFrame, year: int, config: IndicatorConfig) -> pl.DataFrame:
    return _dutch_rate_table(stored, "nuisance_reports", "overlastmeldingen", year, config)


def followup_table(stored: pl.DataFrame, year: int, config: IndicatorConfig) -> pl.DataFrame:
    """Of the executed evictions: on a list before, lead time (median, buckets), contact before."""
    buckets = [f"eviction_lead_time_{b}" for b in config.bucket_labels]
    names = ["executed_evictions", "evictions_listed_before", "evictions_contact_before"]
    wide = _wide(stored, year, dict.fromkeys([*names, "eviction_lead_time_median_weeks", *buckets], ""))
    frame = wide.select(
        *KEYS,
        "year",
        pl.col("n_executed_evictions").alias("n"),
        pl.col("n_evictions_listed_before").alias("listed"),
        pl.col("n_evictions_contact_before").alias("contacted"),
        pl.col("v_eviction_lead_time_median_weeks").alias("median_weeks"),
        *[pl.col(f"n_{b}").alias(b) for b in buckets],
    ).with_columns(
        pl.when(pl.col("n") > 0).then((100 * pl.col("listed") / pl.col("n")).round(1)).alias("listed_pct"),
        pl.when(pl.col("n") > 0)
        .then((100 * pl.col("contacted") / pl.col("n")).round(1))
        .alias("contacted_pct"),
    )
    frame = suppress(
        _ordered(frame),
        counts=["n", "listed", "contacted", *buckets],
        derived={
            "listed_pct": ["n", "listed"],
            "contacted_pct": ["n", "contacted"],
            "median_weeks": ["listed"],
        },
        min_cell=config.min_cell,
    )
    return frame.select(
        *KEYS, "year", "n", "listed", "listed_pct", "median_weeks", *buckets, "contacted", "contacted_pct"
    ).rename(
        {
            **DUTCH_KEYS,
            "n": "uitgevoerde ontruimingen",
            "listed": "vooraf op een lijst",
            "listed_pct": "aandeel vooraf op een lijst (%)",
            "median_weeks": "mediaan weken tussen eerste plaatsing en ontruiming",
            **{
                b: f"eerste plaatsing {label} vooraf"
                for b, label in zip(buckets, config.bucket_labels_nl, strict=True)
            },
            "contacted": "met contactpoging vooraf",
            "contacted_pct": "aandeel met contactpoging vooraf (%)",
        }
    )


TABLES = {
    "ontruimingen": ("Uitgevoerde ontruimingen per 1.000 corporatiewoningen", eviction_table),
    "ontruimingen_en_lijsten": ("Uitgevoerde ontruimingen: vooraf gesignaleerd en benaderd", followup_table),
    "overlast": ("Overlastmeldingen per 1.000 corporatiewoningen", nuisance_table),
}


def indicator_tables(
    con: duckdb.DuckDBPyConnection, year: int, config: IndicatorConfig
) -> dict[str, tuple[str, pl.DataFrame]]:
    """file stem -> (Dutch title, suppressed table) for `year`; empty tables when nothing is stored."""
    stored = _stored(con, [year, config.baseline_year])
    return {stem: (title, make(stored, year, config)) for stem, (title, make) in TABLES.items()}


def write_csv(tables: dict[str, tuple[str, pl.DataFrame]], out: Path, year: int) -> list[Path]:
    """Semicolon-separated, UTF-8 with BOM (Excel opens it as Dutch text): `<stem>_<year>.csv`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, (_, frame) in tables.items():
        path = out / f"{stem}_{year}.csv"
        frame.write_csv(path, separator=";", include_bom=True)
        written.append(path)
    return written
