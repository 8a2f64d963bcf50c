"""Ground-truth tables of a region and the counts behind the calibration table.

The pipeline never reads these; evaluation compares its lists and indicators against them.
"""

import polars as pl

from synthetic.addresses import CORP, TENURES
from synthetic.calibration import CalibrationCounts, repeat_counts
from synthetic.timeline import Calendar
from synthetic.world import PROC_PHASES, REASONS, UITGEVOERD, VONNIS, WATER_PHASES


def household_truth(households: pl.DataFrame, events: dict[str, pl.DataFrame], region: int) -> pl.DataFrame:
    evicted_on = (
        events["procedure"]
        .filter(pl.col("phase") == UITGEVOERD)
        .select("household_id", pl.col("day").cast(pl.Date).alias("_evicted"))
    )
    return (
        households.join(evicted_on, on="household_id", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("moved_out_date", "_evicted").alias("moved_out_date"),
            pl.lit(region, pl.Int16).alias("region"),
        )
        .drop(
            "lane",
            "dwelling_id",
            "corporation_key",
            "start_month",
            "end_month",
            "active_at_end",
            "age_band",
            "rent_eur",
            "_evicted",
        )
        .rename({"age_band_head": "age_band"})
    )


def buurt_statistics(
    buurten: pl.DataFrame, households: pl.DataFrame, dwellings: pl.DataFrame
) -> pl.DataFrame:
    """Public statistics per buurt as of end_date (every buurt listed, even an empty one)."""
    living = (
        households.filter("active_at_end")
        .group_by("buurt")
        .agg(pl.col("size").cast(pl.Int64).sum().alias("inwoners"), pl.len().alias("huishoudens"))
    )
    corp = (
        dwellings.filter(pl.col("tenure") == CORP)
        .group_by("buurt_id")
        .agg(pl.len().alias("corporatiewoningen"))
    )
    return (
        buurten.join(living, on="buurt", how="left", maintain_order="left")
        .join(corp, on="buurt_id", how="left", maintain_order="left")
        .select(
            "gemeente",
            "wijk",
            "buurt",
            "wijkteam",
            *[
                pl.col(c).fill_null(0).cast(pl.Int64)
                for c in ("inwoners", "huishoudens", "corporatiewoningen")
            ],
        )
    )


def calibration_counts(
    streams: dict[tuple[str, str], pl.DataFrame],
    latent: pl.DataFrame,
    households: pl.DataFrame,
    dwellings: pl.DataFrame,
    events: dict[str, pl.DataFrame],
    calendar: Calendar,
) -> CalibrationCounts:
    financial = pl.concat(
        [
            rows.select("bron_referentie", "_known_day", "_household_id")
            .unique("bron_referentie")
            .with_columns(pl.lit(code).alias("code"))
            for (code, feed), rows in streams.items()
            if feed in ("huurachterstand", "waterafsluiting")
        ]
    )
    address = households.select(pl.col("household_id").alias("_household_id"), "dwelling_id")
    signals = financial.join(address, on="_household_id").select(
        pl.col("dwelling_id").alias("address_id"), pl.col("_known_day").alias("day")
    )
    index, again = repeat_counts(signals, calendar.month_start, calendar.burn_in, calendar.n_months - 1)
    lat = latent.join(households.select("household_id", "size", "tenure"), on="household_id")
    corp = lat.filter(pl.col("tenure") == TENURES[CORP])
    proc = events["procedure"].filter(pl.col("day").is_between(calendar.first_day, calendar.end_day))
    executed = proc.filter(pl.col("phase") == UITGEVOERD)
    vonnis = proc.filter((pl.col("phase") == VONNIS) & (pl.col("day") <= calendar.end_day - 183))
    vonnis_executed = vonnis.join(
        executed.select("household_id", pl.col("day").alias("x")), on="household_id"
    ).filter(pl.col("x") > pl.col("day"))

    def distinct(feed: str) -> int:
        return sum(rows["bron_referentie"].n_unique() for (_, f), rows in streams.items() if f == feed)

    at_end = households.filter("active_at_end")
    return CalibrationCounts(
        financial_signals=financial.height,
        inhabitant_months=float(lat["size"].cast(pl.Int64).sum()),
        corp_household_months=corp.height,
        corp_arrears_months=corp.filter(pl.col("arrears_eur") > 0).height,
        executed_evictions=executed.height,
        corp_homes=dwellings.filter(pl.col("tenure") == CORP).height,
        repeat_index=index,
        repeat_again=again,
        vonnissen=vonnis.height,
        vonnissen_executed=vonnis_executed["household_id"].n_unique(),
        ggd_meldingen=distinct("ggd_melding"),
        overlast_meldingen=distinct("overlast"),
        households=at_end.height,
        inhabitants=int(at_end["size"].cast(pl.Int64).sum()),
        dwellings=dwellings.height,
        months=calendar.n_months - calendar.burn_in,
    )


def event_table(
    events: dict[str, pl.DataFrame],
    streams: dict[tuple[str, str], pl.DataFrame],
    households: pl.DataFrame,
    attempts: pl.DataFrame,
    results: pl.DataFrame,
    calendar: Calendar,
    region: int,
) -> pl.DataFrame:
    """Every true event in the delivered period, one row each, with the bron_referentie under
    which it was first delivered (null if it never was)."""

    def frame(
        kind: str,
        event: pl.Expr,
        phase: pl.Expr | None = None,
        reason: pl.Expr | None = None,
        amount: pl.Expr | None = None,
    ) -> pl.DataFrame:
        return events[kind].select(
            "event_id",
            "household_id",
            "day",
            event.alias("event"),
            (phase if phase is not None else pl.lit(None, pl.String)).alias("phase"),
            (reason if reason is not None else pl.lit(None, pl.String)).alias("reason"),
            (amount if amount is not None else pl.lit(None, pl.Float64)).alias("amount_eur"),
        )

    def names(values: tuple[str, ...], column: str) -> pl.Expr:
        return pl.col(column).cast(pl.Int64).replace_strict(dict(enumerate(values)), return_dtype=pl.String)

    parts = [
        frame("arrears", pl.col("event"), amount=pl.col("amount_eur")),
        frame("signals", pl.lit("huurachterstand"), amount=pl.col("arrears_eur")),
        frame(
            "procedure",
            pl.lit("ontruiming"),
            names(PROC_PHASES, "phase"),
            names(REASONS, "reason"),
            pl.col("arrears_eur"),
        ),
        frame(
            "water",
            pl.lit("waterafsluiting"),
            names(WATER_PHASES, "phase"),
            amount=pl.col("arrears_eur"),
        ),
        frame("overlast", pl.lit("overlast")),
        frame("ggd", pl.lit("ggd_melding")),
        events["cases"].select(
            "event_id",
            "household_id",
            pl.lit(pl.Series(calendar.month_start))
            .gather(pl.col("month") + 1)
            .cast(pl.Int32)
            .sub(1)
            .alias("day"),
            pl.lit("team_case_opened").alias("event"),
        ),
        attempts.select(
            "household_id",
            "day",
            pl.lit("team_contact_attempt").alias("event"),
            pl.col("soort").alias("phase"),
            pl.col("bereikt").alias("reason"),
        ),
        results.select(
            "household_id",
            "day",
            pl.lit("team_result").alias("event"),
            pl.col("eindresultaat").alias("phase"),
        ),
        households.filter(pl.col("move_reason") == "verhuisd").select(
            "household_id",
            (pl.col("moved_out_date").cast(pl.Int32) - 1).alias("day"),
            pl.lit("moved_out").alias("event"),
        ),
    ]
    delivered = pl.concat(
        [
            rows.filter(pl.col("_event_id").is_not_null())
            .sort("_delivery", "_line")
            .unique("_event_id", keep="first", maintain_order=True)
            .select("_event_id", "bron_referentie", pl.lit(code).alias("supplier"))
            for (code, _), rows in streams.items()
        ]
    ).rename({"_event_id": "event_id"})
    place = households.select("household_id", "wijkteam", "gemeente", "wijk", "buurt")
    return (
        pl.concat(parts, how="diagonal_relaxed")
        .filter(pl.col("day").is_between(calendar.first_day, calendar.end_day))
        .join(delivered, on="event_id", how="left", maintain_order="left")
        .join(place, on="household_id", how="left", maintain_order="left")
        .with_columns(pl.col("day").cast(pl.Date).alias("date"), pl.lit(region, pl.Int16).alias("region"))
        .with_columns(
            pl.col("date").dt.year().alias("year"),
            ((pl.col("event") == "ontruiming") & (pl.col("phase") == "ontruiming_uitgevoerd")).alias(
                "is_executed_eviction"
            ),
        )
        .sort("date", "household_id", "event", "event_id", maintain_order=True)
        .select(
            "event_id",
            "household_id",
            "region",
            "date",
            "year",
            "event",
            "phase",
            "reason",
            "amount_eur",
            "supplier",
            "bron_referentie",
            "is_executed_eviction",
            "wijkteam",
            "gemeente",
            "wijk",
            "buurt",
        )
    )
