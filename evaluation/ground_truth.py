"""Reading the synthetic generator's ground truth for evaluation only: the latent-risk ceiling and
the audit attributes (age band, household type), matched to the pipeline's households by address.

For real data, the audit attributes come from a BRP extract with the same columns (address_key,
age_band, household_type); there is no latent risk."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from signals.addresses import address_key_expr


def _truth_households(folder: Path) -> pl.DataFrame:
    households = pl.read_parquet(folder / "households.parquet")
    return households.with_columns(
        address_key_expr(
            pl.col("postcode"), pl.col("huisnummer").cast(pl.String), pl.col("huisnummer_toevoeging")
        ).alias("address_key")
    )


def attach_truth(frame: pl.DataFrame, folder: Path) -> pl.DataFrame:
    """Add latent_risk (highest at the address that month), age_band and household_type."""
    households = _truth_households(folder)
    latent = pl.read_parquet(folder / "latent.parquet").select("household_id", "month", "latent_risk")
    living = (
        frame.select("as_of_date", "address_key")
        .unique()
        .join(
            households.select(
                "household_id", "address_key", "moved_in_date", "moved_out_date", "age_band", "household_type"
            ),
            on="address_key",
        )
        .filter(
            (pl.col("moved_in_date").is_null() | (pl.col("moved_in_date") <= pl.col("as_of_date")))
            & (pl.col("moved_out_date").is_null() | (pl.col("moved_out_date") > pl.col("as_of_date")))
        )
        .with_columns(pl.col("as_of_date").dt.truncate("1mo").alias("month"))
        .join(latent, on=["household_id", "month"], how="left")
    )
    per_address = (
        living.sort("latent_risk", descending=True, nulls_last=True)
        .group_by("as_of_date", "address_key")
        .agg(pl.col("latent_risk").max(), pl.col("age_band").first(), pl.col("household_type").first())
    )
    return frame.join(per_address, on=["as_of_date", "address_key"], how="left")
