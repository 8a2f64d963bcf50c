"""Escalations found at a capacity line (ties at their expected share), calibration, the bias audit."""

from __future__ import annotations

import numpy as np
import polars as pl


def expected_at_capacity(frame: pl.DataFrame, ordering: list[tuple[str, bool]]) -> tuple[int, float]:
    """(households selected, expected escalations among them) with ties broken at random.

    Within each (as_of_date, team), households that tie on every ordering column form a block; a
    block that straddles the capacity line contributes its share of slots times its escalations.
    Breaking ties by household id instead would make a coarse ordering's figure depend on the
    pseudonymisation key (the ids are keyed hashes): the expected value does not.
    """
    columns = [c for c, _ in ordering]
    group = ["as_of_date", "wijkteam"]
    blocks = (
        frame.group_by([*group, *columns])
        .agg(pl.len().alias("n"), pl.col("label").sum().alias("positives"), pl.col("capacity").first())
        .sort([*group, *columns], descending=[False, False, *(d for _, d in ordering)], nulls_last=True)
        .with_columns((pl.col("n").cum_sum().over(group) - pl.col("n")).alias("before"))
        .with_columns(
            pl.min_horizontal(pl.col("n"), (pl.col("capacity") - pl.col("before")).clip(lower_bound=0)).alias(
                "slots"
            )
        )
    )
    slots = int(blocks["slots"].sum())
    expected = float((blocks["positives"] * blocks["slots"] / blocks["n"]).sum())
    return slots, expected


def calibration_table(frame: pl.DataFrame, bands: int = 5) -> pl.DataFrame:
    """Predicted against observed escalation rate, by band of predicted risk (equal-size bands)."""
    order = np.argsort(frame["risk"].to_numpy(), kind="stable")
    band = np.empty(len(order), dtype=int)
    band[order] = np.arange(len(order)) * bands // max(len(order), 1)
    return (
        frame.with_columns(pl.Series("band", band + 1))
        .group_by("band")
        .agg(
            pl.len().alias("households"),
            pl.col("risk").mean().alias("predicted"),
            pl.col("label").mean().alias("observed"),
        )
        .sort("band")
    )


def bias_audit(
    frame: pl.DataFrame, chosen: pl.Series, group: str, band: tuple[float, float], minimum_positives: int
) -> pl.DataFrame:
    """Per group: share of the selection, recall and precision, each as a ratio to the overall figure."""
    frame = frame.with_columns(chosen.alias("_chosen"))
    overall_recall = (frame["_chosen"] & frame["label"]).sum() / max(frame["label"].sum(), 1)
    overall_precision = (frame["_chosen"] & frame["label"]).sum() / max(frame["_chosen"].sum(), 1)
    stats = (
        frame.group_by(pl.col(group).fill_null("onbekend").alias("group"))
        .agg(
            pl.len().alias("households"),
            (pl.col("_chosen").sum() / pl.len()).alias("listed_share"),
            pl.col("label").sum().alias("escalations"),
            ((pl.col("_chosen") & pl.col("label")).sum() / pl.col("label").sum()).alias("recall"),
            ((pl.col("_chosen") & pl.col("label")).sum() / pl.col("_chosen").sum()).alias("precision"),
        )
        .sort("group")
    )
    overall_share = frame["_chosen"].mean()
    low, high = band
    stats = stats.with_columns(
        (pl.col("listed_share") / overall_share).alias("listed_ratio"),
        pl.when(pl.col("escalations") >= minimum_positives)
        .then(pl.col("recall") / overall_recall)
        .alias("recall_ratio"),
        pl.when(pl.col("escalations") >= minimum_positives)
        .then(pl.col("precision") / overall_precision)
        .alias("precision_ratio"),
    )
    ratios = ["listed_ratio", "recall_ratio", "precision_ratio"]
    return stats.with_columns(
        pl.any_horizontal([(pl.col(r) < low) | (pl.col(r) > high) for r in ratios])
        .fill_null(False)
        .alias("flagged")
    )
