"""Precision and recall at each team's capacity, AUC, calibration, and the bias audit."""

from __future__ import annotations

import numpy as np
import polars as pl

from signals.registry import TeamConfig

# Orderings compared; each is a list of (column, descending) applied within (as_of_date, team).
ORDERINGS: dict[str, list[tuple[str, bool]]] = {
    "lijst (tier, dan scorekaart)": [("rule_tier_rank", False), ("score", True)],
    "scorekaart": [("score", True)],
    "alleen regels (tier, regelpunten)": [("rule_tier_rank", False), ("rule_points", True)],
    "alleen huurachterstand (bedrag)": [("arrears_eur_sort", True)],
    "plafond: latente kans (generator)": [("latent_risk", True)],
}


def with_capacity(frame: pl.DataFrame, teams: TeamConfig, weeks: int) -> pl.DataFrame:
    capacity = pl.DataFrame(
        {
            "wijkteam": [t.code for t in teams.teams],
            "capacity": [t.capacity_per_week * weeks for t in teams.teams],
        }
    )
    return frame.join(capacity, on="wijkteam", how="left").with_columns(
        pl.col("capacity").fill_null(teams.default_capacity_per_week * weeks),
        pl.col("arrears_eur").cast(pl.Float64).fill_null(0).alias("arrears_eur_sort"),
    )


def selected(frame: pl.DataFrame, ordering: list[tuple[str, bool]]) -> pl.Series:
    """True for the households within their team's capacity under `ordering` (ties by id)."""
    columns = [c for c, _ in ordering] + ["household_id"]
    descending = [d for _, d in ordering] + [False]
    ranked = frame.with_row_index("_pos").sort(columns, descending=descending, nulls_last=True)
    ranked = ranked.with_columns(pl.int_range(pl.len()).over("as_of_date", "wijkteam").alias("_rank"))
    return ranked.sort("_pos").select(pl.col("_rank") < pl.col("capacity")).to_series()


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


def capacity_table(frame: pl.DataFrame) -> pl.DataFrame:
    """Per ordering: selected, escalations found (expected, ties at random), precision and recall."""
    positives = int(frame["label"].sum())
    rows = []
    for name, ordering in ORDERINGS.items():
        if any(c not in frame.columns or frame[c].null_count() == frame.height for c, _ in ordering):
            continue
        chosen, hits = expected_at_capacity(frame, ordering)
        rows.append(
            {
                "ordering": name,
                "selected": chosen,
                "escalations_found": round(hits, 1),
                "escalations": positives,
                "precision": hits / max(chosen, 1),
                "recall": hits / max(positives, 1),
            }
        )
    return pl.DataFrame(rows)


def auc_table(frame: pl.DataFrame) -> pl.DataFrame:
    from sklearn.metrics import roc_auc_score

    label = frame["label"].to_numpy()
    rows = []
    for name, column, sign in (
        ("scorekaart", "score", 1),
        ("alleen regels (regelpunten)", "rule_points", 1),
        ("alleen huurachterstand (bedrag)", "arrears_eur_sort", 1),
        ("plafond: latente kans", "latent_risk", 1),
    ):
        if (
            column in frame.columns
            and frame[column].null_count() < frame.height
            and 0 < label.sum() < len(label)
        ):
            rows.append(
                {"ordering": name, "auc": float(roc_auc_score(label, sign * frame[column].fill_null(0)))}
            )
    return pl.DataFrame(rows)


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
