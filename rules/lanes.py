"""Lanes (werkbakjes) and the Wgs follow-up duty: the one home of both (rules/lanes.yaml).

Lists, the portal, the exports and the evaluation take lane codes, labels, order and whether a
lane has a capacity line from here; a lane name or a lane rule lives nowhere else. Which rules move
a household into a lane is said in the rule files (rules/catalogue/, `lane:`); this module knows
only the lanes themselves.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

LANES_PATH = Path(__file__).parent / "lanes.yaml"

# A financial signal's follow-up status, in the DDAS vocabulary (EnumSignaalstatus, v1.2). Results
# registered by a team that are also a signal status ("Niet opgepakt: …") are that status.
NOT_YET = "Nog niet opgepakt"
PICKED_UP = "Opgepakt"


class Lane(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z_]+$")
    label: str = Field(min_length=3)
    description: str = Field(min_length=20)
    order: Literal["acute_date", "risk"]
    capacity_line: bool
    channel: str | None = None


class WgsFollowup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    channel: str = Field(min_length=3)


class Changes(BaseModel):
    """What makes a household "veranderd" since the previous list (lists/sql/fct_list_entry.sql)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    risk_rise_min: float = Field(gt=0, lt=1)


class LaneSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    lanes: tuple[Lane, ...] = Field(min_length=1)
    default_lane: str
    wgs_followup: WgsFollowup
    changes: Changes

    @model_validator(mode="after")
    def _check(self) -> LaneSet:
        codes = [lane.code for lane in self.lanes]
        if len(codes) != len(set(codes)):
            raise ValueError("two lanes share a code")
        if self.default_lane not in codes:
            raise ValueError(f"default_lane {self.default_lane!r} is not a lane")
        if self.lane(self.default_lane).order != "risk":
            raise ValueError("the default lane is ordered by risk: rules route households out of it")
        return self

    def lane(self, code: str) -> Lane:
        for lane in self.lanes:
            if lane.code == code:
                return lane
        raise KeyError(f"onbekende baan {code!r}")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lane.code for lane in self.lanes)

    def label(self, code: str) -> str:
        return self.lane(code).label

    def frame(self) -> pl.DataFrame:
        """(lane, lane_order, lane_label, has_capacity_line, is_by_date, channel): what the list SQL joins."""
        return pl.DataFrame(
            {
                "lane": list(self.codes),
                "lane_order": list(range(1, len(self.lanes) + 1)),
                "lane_label": [lane.label for lane in self.lanes],
                "has_capacity_line": [lane.capacity_line for lane in self.lanes],
                "is_by_date": [lane.order == "acute_date" for lane in self.lanes],
                "channel": [lane.channel for lane in self.lanes],
            },
            schema={
                "lane": pl.String,
                "lane_order": pl.Int32,
                "lane_label": pl.String,
                "has_capacity_line": pl.Boolean,
                "is_by_date": pl.Boolean,
                "channel": pl.String,
            },
        )


def load_lanes(path: Path = LANES_PATH) -> LaneSet:
    return LaneSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def default_lanes() -> LaneSet:
    return load_lanes()
