"""A team's list as the coordinator sees it: the night's list with the team's lane overrides.

A person decides: a coordinator may move a household to another lane for this list, with a reason
(portal/state/registrations.py keeps it). The moved household is shown in that lane, marked, at the
place the lane's order gives it — in a lane ordered by date by its acute date (none: last), in the
ranked lane by its score — exactly as lists/sql/fct_list_entry.sql orders a lane. The households
nobody moved keep the night's order. The capacity line stays where the night drew it: the first N
households of a lane with a capacity line, N the capacity the night used.

Pure functions over the list's rows (dicts from portal/reads.py); nothing is written.
"""

from __future__ import annotations

from bisect import insort
from datetime import date

from rules.lanes import Lane, LaneSet


def night_capacity(entries: list[dict], lane: str, configured: int) -> int:
    """The capacity the night used for `lane`: how many it put within capacity when some were not.

    When everyone in the lane was within capacity, the lane was no longer than the capacity; the
    configured capacity (config/teams.yaml) is then the best account of it.
    """
    in_lane = [e for e in entries if e["lane"] == lane]
    within = sum(1 for e in in_lane if e["is_within_capacity"])
    return within if within < len(in_lane) else max(configured, within)


def _order_key(lane: Lane):
    """The order of fct_list_entry.sql within `lane`, as a sort key."""

    def key(e: dict) -> tuple:
        first = e.get("first_signal_date") or date.max
        by_score = (-(e.get("score") or 0), first, e["household_id"])
        if lane.order == "acute_date":
            acute = e.get("acute_date")
            return (acute is None, acute or date.max, *by_score)
        return by_score

    return key


def place(
    entries: list[dict], overrides: dict[str, dict], lanes: LaneSet, configured_capacity: int
) -> list[dict]:
    """The list with the overrides applied, in lane order; new dicts, the input is left as it was.

    `overrides` maps a household to its latest override {"lane", "reason", ...}. Each row gets
    `lane` (where it is shown), `rules_lane` (where the night put it), `moved` (the override or
    None), and `lane_rank`, `rank` and `is_within_capacity` for the list as shown.
    """
    capacities = {
        lane.code: night_capacity(entries, lane.code, configured_capacity)
        for lane in lanes.lanes
        if lane.capacity_line
    }
    kept: dict[str, list[dict]] = {code: [] for code in lanes.codes}
    moved: list[dict] = []
    for entry in entries:
        override = overrides.get(entry["household_id"])
        target = override["lane"] if override and override["lane"] in kept else entry["lane"]
        row = {**entry, "rules_lane": entry["lane"], "lane": target, "moved": override if override else None}
        if target not in kept:  # a lane no longer configured: the default lane takes it
            row["lane"] = target = lanes.default_lane
        (moved if target != entry["lane"] else kept[target]).append(row)
    for lane in lanes.lanes:
        key = _order_key(lane)
        for row in moved:
            if row["lane"] == lane.code:
                insort(kept[lane.code], row, key=key)
    placed = []
    for lane in lanes.lanes:
        for lane_rank, row in enumerate(kept[lane.code], start=1):
            row["lane_rank"] = lane_rank
            row["is_within_capacity"] = not lane.capacity_line or lane_rank <= capacities[lane.code]
            placed.append(row)
    for rank, row in enumerate(placed, start=1):
        row["rank"] = rank
    return placed
