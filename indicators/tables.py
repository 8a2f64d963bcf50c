"""The Dutch indicator tables of one year, read from agg_indicator, small cells suppressed.

Every table goes through `indicators.suppression.suppress`; the column names are what evaluators
read. Definitions: indicators/DEFINITIONS.md.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from indicators.config import IndicatorConfig
from indicators.suppression import Sum, area_hierarchy, suppress
from signals.registrations import ddas_vocabulary

KEYS = ["level", "gemeente", "area"]
LEVEL_ORDER = {"regio": 0, "gemeente": 1, "wijk": 2}
DUTCH_KEYS = {"level": "niveau", "gemeente": "gemeente", "area": "gebied", "year": "jaar"}


def _stored(con: duckdb.DuckDBPyConnection, years: list[int]) -> pl.DataFrame:
    return con.sql(
        "select indicator, category, level, gemeente, area, year, count, denominator, value "
        "from agg_indicator where list_contains($years, year)",
        params={"years": years},
    ).pl()


def _wide(stored: pl.DataFrame, year: int, names: dict[str, str]) -> pl.DataFrame:
    """One row per area for `year`: a count column per indicator (and its denominator/value)."""
    rows = stored.filter(
        pl.col("year") == year, pl.col("indicator").is_in(list(names)), pl.col("category").is_null()
    )
    wide = rows.pivot(on="indicator", index=[*KEYS, "year"], values=["count", "denominator", "value"]).rename(
        lambda c: c.replace("count_", "n_").replace("denominator_", "d_").replace("value_", "v_")
    )
    # A year with nothing stored gives an empty table with every column.
    wanted = {f"{p}_{n}": t for n in names for p, t in (("n", pl.Int64), ("d", pl.Int64), ("v", pl.Float64))}
    return wide.with_columns(pl.lit(None, t).alias(c) for c, t in wanted.items() if c not in wide.columns)


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(pl.col("level").replace_strict(LEVEL_ORDER), "gemeente", "area", nulls_last=False)


def _per_1000(count: str, base: str, months: str | None = None, period_months: int = 1) -> pl.Expr:
    """1000 × count / base per `period_months` (1: per month, 12: per year), 2 decimals; empty when base is 0.

    `months` is how much of the year the count covers: a year still running is put on the same
    footing as a whole one (year to date × 12 / months elapsed for a yearly rate).
    """
    rate = 1000 * pl.col(count) / pl.col(base)
    if months is not None:
        rate = rate / pl.col(months) * period_months
    return pl.when(pl.col(base) > 0).then(rate.round(2))


def _months_covered(stored: pl.DataFrame, year: int) -> float:
    """Months of `year` the run's data covered (stored with financial_signals); 12 when not stored."""
    row = stored.filter(
        pl.col("indicator") == "financial_signals", pl.col("level") == "regio", pl.col("year") == year
    )
    return float(row["value"][0]) if row.height and row["value"][0] is not None else 12.0


def _rate_table(
    stored: pl.DataFrame, indicator: str, year: int, config: IndicatorConfig, per_month: bool = False
) -> pl.DataFrame:
    """Count, base (homes or inhabitants), per 1,000 of the base per month or year, change vs baseline."""
    columns = {"n": f"n_{indicator}", "base": f"d_{indicator}"}
    now = _wide(stored, year, {indicator: ""}).select(
        *KEYS, "year", *(pl.col(v).alias(k) for k, v in columns.items())
    )
    base = _wide(stored, config.baseline_year, {indicator: ""}).select(
        *KEYS, *(pl.col(v).alias(f"{k}_base") for k, v in columns.items())
    )
    period = 1 if per_month else 12
    frame = now.join(base, on=KEYS, how="left", nulls_equal=True).with_columns(
        pl.lit(_months_covered(stored, year)).alias("months"),
        pl.lit(_months_covered(stored, config.baseline_year)).alias("months_base"),
    )
    frame = frame.with_columns(
        _per_1000("n", "base", "months", period).alias("rate"),
        _per_1000("n_base", "base_base", "months_base", period).alias("rate_base"),
    )
    frame = frame.with_columns(
        pl.when(pl.col("rate_base") > 0)
        .then((100 * (pl.col("rate") - pl.col("rate_base")) / pl.col("rate_base")).round(1))
        .alias("change")
    )
    frame = suppress(
        _ordered(frame),
        counts=["n", "base", "n_base"],
        derived={"rate": ["n", "base"], "rate_base": ["n_base", "base_base"], "change": ["n", "n_base"]},
        min_cell=config.min_cell,
        sums=area_hierarchy(["n", "n_base"]),
        secondary_label=config.secondary_label,
    )
    return frame.select(*KEYS, "year", "n", "base", "rate", "n_base", "rate_base", "change")


def _dutch_rate_table(
    stored: pl.DataFrame,
    indicator: str,
    counted: str,
    year: int,
    config: IndicatorConfig,
    base: str = "corporatiewoningen",
    per_month: bool = False,
) -> pl.DataFrame:
    """A rate table with Dutch headers; `counted` names what is counted ("overlastmeldingen")."""
    by = config.baseline_year
    per = f"per 1.000 {base}" + (" per maand" if per_month else " per jaar")
    return _rate_table(stored, indicator, year, config, per_month).rename(
        {
            **DUTCH_KEYS,
            "n": counted,
            "base": base,
            "rate": per,
            "n_base": f"{counted.split()[-1]} {by}",
            "rate_base": f"{per} {by}",
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
        _share("listed", "n").alias("listed_pct"),
        _share("contacted", "n").alias("contacted_pct"),
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
        sums=[
            *area_hierarchy(["n", "listed", "contacted", *buckets]),
            Sum(total_column="listed", part_columns=tuple(buckets)),
        ],
        secondary_label=config.secondary_label,
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


def signals_table(stored: pl.DataFrame, year: int, config: IndicatorConfig) -> pl.DataFrame:
    return _dutch_rate_table(
        stored, "financial_signals", "financiële signalen", year, config, base="inwoners", per_month=True
    )


def _share(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then((100 * pl.col(part) / pl.col(whole)).round(1))


def repeat_and_reach_table(stored: pl.DataFrame, year: int, config: IndicatorConfig) -> pl.DataFrame:
    """Address-months signalled again within the repeat window; signalled addresses contacted and reached."""
    names = ["signalled_again", "signalled_addresses", "signalled_contact_attempted", "signalled_reached"]
    wide = _wide(stored, year, dict.fromkeys(names, ""))
    frame = wide.select(
        *KEYS,
        "year",
        pl.col("d_signalled_again").alias("months"),
        pl.col("n_signalled_again").alias("again"),
        pl.col("n_signalled_addresses").alias("addresses"),
        pl.col("n_signalled_contact_attempted").alias("attempted"),
        pl.col("n_signalled_reached").alias("reached"),
    ).with_columns(
        _share("again", "months").alias("again_pct"),
        _share("attempted", "addresses").alias("attempted_pct"),
        _share("reached", "addresses").alias("reached_pct"),
    )
    counts = ["months", "again", "addresses", "attempted", "reached"]
    frame = suppress(
        _ordered(frame),
        counts=counts,
        derived={
            "again_pct": ["again", "months"],
            "attempted_pct": ["attempted", "addresses"],
            "reached_pct": ["reached", "addresses"],
        },
        min_cell=config.min_cell,
        sums=area_hierarchy(counts),
        secondary_label=config.secondary_label,
    )
    window = config.repeat_window_months
    return frame.select(
        *KEYS,
        "year",
        "months",
        "again",
        "again_pct",
        "addresses",
        "attempted",
        "attempted_pct",
        "reached",
        "reached_pct",
    ).rename(
        {
            **DUTCH_KEYS,
            "months": "adresmaanden met financieel signaal",
            "again": f"waarvan ook gesignaleerd in de {window} maanden ervoor",
            "again_pct": f"aandeel herhaald signaal binnen {window} maanden (%)",
            "addresses": "gesignaleerde adressen",
            "attempted": "met contactpoging",
            "attempted_pct": "aandeel met contactpoging (%)",
            "reached": "bereikt",
            "reached_pct": "aandeel bereikt (%)",
        }
    )


MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def signals_by_month_table(stored: pl.DataFrame, year: int, config: IndicatorConfig) -> pl.DataFrame:
    """Financial signals per month (regio, gemeenten) and per 1,000 inhabitants, up to the as-of date."""
    rows = stored.filter(
        pl.col("year") == year, pl.col("indicator") == "financial_signals_month", pl.col("level") != "wijk"
    )
    frame = rows.select(
        *KEYS,
        "year",
        pl.col("category").cast(pl.Int32).alias("month"),
        pl.col("count").alias("n"),
        pl.col("denominator").alias("inhabitants"),
    ).with_columns(_per_1000("n", "inhabitants").alias("rate"))
    frame = suppress(
        frame.sort(pl.col("level").replace_strict(LEVEL_ORDER), "gemeente", "month", nulls_last=False),
        counts=["n"],
        derived={"rate": ["n", "inhabitants"]},
        min_cell=config.min_cell,
        sums=area_hierarchy(["n"], extra_keys=("month",)),
        secondary_label=config.secondary_label,
    )
    return frame.select(
        *KEYS,
        "year",
        pl.col("month").replace_strict(dict(enumerate(MONTHS_NL, start=1)), return_dtype=pl.String),
        "n",
        "rate",
    ).rename({**DUTCH_KEYS, "month": "maand", "n": "financiële signalen", "rate": "per 1.000 inwoners"})


TOTAL = "Totaal"


def _distribution_table(
    stored: pl.DataFrame,
    indicator: str,
    label: str,
    vocabulary: tuple[str, ...],
    year: int,
    config: IndicatorConfig,
) -> pl.DataFrame:
    """One row per area (regio, gemeente) and category of the DDAS vocabulary, plus a total row."""
    rows = stored.filter(
        pl.col("year") == year, pl.col("indicator") == indicator, pl.col("level") != "wijk"
    ).select(*KEYS, "year", "category", pl.col("count").alias("n"))
    totals = rows.group_by(*KEYS, "year").agg(pl.lit(TOTAL).alias("category"), pl.col("n").sum())
    frame = pl.concat([rows, totals.select(rows.columns)]).join(
        totals.select(*KEYS, pl.col("n").alias("whole")), on=KEYS, how="left", nulls_equal=True
    )
    frame = frame.with_columns(_share("n", "whole").alias("share")).with_columns(
        pl.when(pl.col("category") == TOTAL).then(None).otherwise(pl.col("share")).alias("share")
    )
    order = {c: i for i, c in enumerate(vocabulary)}
    frame = frame.sort(
        pl.col("level").replace_strict(LEVEL_ORDER),
        "gemeente",
        "area",
        pl.col("category").replace_strict(order, default=len(order)),
        nulls_last=False,
    ).with_columns(pl.col("whole").cast(pl.Int64))
    frame = suppress(
        frame,
        counts=["n"],
        derived={"share": ["n", "whole"]},
        min_cell=config.min_cell,
        sums=[
            *area_hierarchy(["n"], extra_keys=("category",)),
            Sum(
                columns=("n",),
                by=(*KEYS,),
                total_row=pl.col("category") == TOTAL,
                part_row=pl.col("category") != TOTAL,
            ),
        ],
        secondary_label=config.secondary_label,
    )
    # a share next to a hidden total would give the total back (count / share)
    total_shown = frame.filter(pl.col("category") == TOTAL).select(
        *KEYS, pl.col("n").str.contains(r"^\d+$").alias("total_shown")
    )
    frame = frame.join(total_shown, on=KEYS, how="left", nulls_equal=True).with_columns(
        pl.when(pl.col("total_shown")).then(pl.col("share")).alias("share")
    )
    return frame.select(*KEYS, "year", "category", "n", "share").rename(
        {**DUTCH_KEYS, "category": label, "n": "aantal", "share": "aandeel (%)"}
    )


def contact_attempts_table(stored: pl.DataFrame, year: int, config: IndicatorConfig) -> pl.DataFrame:
    soorten = ddas_vocabulary()["EnumContactsoort"]
    return _distribution_table(stored, "contact_attempts", "soort contactpoging", soorten, year, config)


def case_results_table(stored: pl.DataFrame, year: int, config: IndicatorConfig) -> pl.DataFrame:
    results = ddas_vocabulary()["EnumEindresultaat"]
    return _distribution_table(stored, "case_results", "eindresultaat", results, year, config)


TABLES = {
    "ontruimingen": ("Uitgevoerde ontruimingen per 1.000 corporatiewoningen per jaar", eviction_table),
    "ontruimingen_en_lijsten": ("Uitgevoerde ontruimingen: vooraf gesignaleerd en benaderd", followup_table),
    "overlast": ("Overlastmeldingen per 1.000 corporatiewoningen per jaar", nuisance_table),
    "signalen": ("Financiële signalen per 1.000 inwoners per maand", signals_table),
    "signalen_per_maand": ("Financiële signalen per maand", signals_by_month_table),
    "herhaling_en_bereik": ("Herhaalde signalen, contactpogingen en bereik", repeat_and_reach_table),
    "contactpogingen": ("Contactpogingen naar soort", contact_attempts_table),
    "eindresultaten": ("Eindresultaten van vroegsignaalzaken", case_results_table),
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
