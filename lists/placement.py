"""A team's list as the coordinator sees it: the night's list with the team's lane overrides.

A person decides: a coordinator may move a household to another lane for this list, with a reason
(portal/state/registrations.py keeps it). The moved household is shown in that lane, marked, at the
place the lane's order gives it — in a lane ordered by date by its acute date (none: last), in the
ranked lane by its score — exactly as lists/sql/fct_list_entry.sql orders a lane. The households
nobody moved keep the night's order (the same order, so one sort places everyone). The capacity
line stays where the night drew it: the first N households of a lane with a capacity line, N the
capacity the night used.

One placement for every reader: the portal's list and household header (`place`, over the rows
portal/reads.py gives) and the XLSX the portal hands out (`placement`, over a frame), so an
override moves the household at once everywhere. Nothing is written.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from rules.lanes import LaneSet

# What placement needs of a list row.
KEY_COLUMNS = ("household_id", "lane", "acute_date", "score", "first_signal_date", "is_within_capacity")


def night_capacity(entries: list[dict], lane: str, configured: int) -> int:
    """The capacity the night used for `lane`: how many it put within capacity when some were not.

    When everyone in the lane was within capacity, the lane was no longer than the capacity; the
    configured capacity (config/teams.yaml) is then the best account of it.
    """
    in_lane = [e for e in entries if e["lane"] == lane]
    within = sum(1 for e in in_lane if e["is_within_capacity"])
    return within if within < len(in_lane) else max(configured, within)


def _capacities(night: pl.DataFrame, lanes: LaneSet, configured: int) -> pl.DataFrame:
    counts = night.group_by("lane").agg(
        pl.len().alias("in_lane"), pl.col("is_within_capacity").sum().alias("within")
    )
    frame = pl.DataFrame(
        {"lane": [lane.code for lane in lanes.lanes if lane.capacity_line]}, schema={"lane": pl.String}
    ).join(counts, on="lane", how="left")
    return frame.select(
        "lane",
        pl.when(pl.col("within").fill_null(0) < pl.col("in_lane").fill_null(0))
        .then(pl.col("within"))
        .otherwise(pl.max_horizontal(pl.lit(configured), pl.col("within").fill_null(0)))
        .cast(pl.Int64)
        .alias("capacity"),
    )


def placement(
    night: pl.DataFrame, overrides: pl.DataFrame, lanes: LaneSet, configured_capacity: int
) -> pl.DataFrame:
    """The list with the overrides applied: one row per household of `night` (KEY_COLUMNS), in list
    order, with `rules_lane` (where the night put it), `lane` (where it is shown), `lane_rank`,
    `rank` and `is_within_capacity` as shown. `overrides`: (household_id, override_lane)."""
    lane_frame = lanes.frame().select("lane", "lane_order", "is_by_date", "has_capacity_line")
    configured = lanes.codes
    placed = (
        night.select(KEY_COLUMNS)
        .rename({"lane": "rules_lane", "is_within_capacity": "night_within"})
        .join(overrides.select("household_id", "override_lane"), on="household_id", how="left")
        .with_columns(
            pl.when(pl.col("override_lane").is_in(configured))
            .then(pl.col("override_lane"))
            .when(pl.col("rules_lane").is_in(configured))
            .then(pl.col("rules_lane"))
            .otherwise(pl.lit(lanes.default_lane))  # a lane no longer configured: the default lane
            .alias("lane")
        )
        .join(lane_frame, on="lane", how="left")
        .sort(
            pl.col("lane_order"),
            pl.when(pl.col("is_by_date")).then(pl.col("acute_date")),
            -pl.col("score").fill_null(0),
            pl.col("first_signal_date").fill_null(date.max),
            pl.col("household_id"),
            nulls_last=True,
        )
        .with_columns(pl.int_range(1, pl.len() + 1).over("lane").alias("lane_rank"))
        .join(_capacities(night, lanes, configured_capacity), on="lane", how="left", maintain_order="left")
        .with_columns(
            (~pl.col("has_capacity_line") | (pl.col("lane_rank") <= pl.col("capacity"))).alias(
                "is_within_capacity"
            ),
            pl.int_range(1, pl.len() + 1).alias("rank"),
        )
    )
    return placed.select("household_id", "rules_lane", "lane", "lane_rank", "rank", "is_within_capacity")


def place(
    entries: list[dict], overrides: dict[str, dict], lanes: LaneSet, configured_capacity: int
) -> list[dict]:
    """`placement` over the portal's rows: new dicts in list order, the input left as it was.

    `overrides` maps a household to its latest override {"lane", "reason", ...}. Each row gets
    `lane` (where it is shown), `rules_lane` (where the night put it), `moved` (the override when
    it moved the household, else None), and `lane_rank`, `rank` and `is_within_capacity` as shown.
    """
    if not entries:
        return []
    night = pl.DataFrame(
        {c: [e.get(c) for e in entries] for c in KEY_COLUMNS},
        schema={
            "household_id": pl.String,
            "lane": pl.String,
            "acute_date": pl.Date,
            "score": pl.Int64,
            "first_signal_date": pl.Date,
            "is_within_capacity": pl.Boolean,
        },
    )
    moved = pl.DataFrame(
        {"household_id": list(overrides), "override_lane": [o["lane"] for o in overrides.values()]},
        schema={"household_id": pl.String, "override_lane": pl.String},
    )
    by_id = {e["household_id"]: e for e in entries}
    placed = []
    for row in placement(night, moved, lanes, configured_capacity).iter_rows(named=True):
        override = overrides.get(row["household_id"])
        placed.append({**by_id[row["household_id"]], **row, "moved": override if override else None})
    return placed
