"""Feed contracts as data: one YAML file per feed, checked against the model below.

The YAML files in this folder are the single source of truth for what suppliers deliver; parsing,
validation and the supplier documentation are all derived from them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

ColumnType = Literal["text", "decimal", "integer", "date", "enum", "janee", "postcode", "bsn"]

# Longer than any valid value of the type, written any way the contracts allow ("€ 1.234.567,50",
# "2026-10-01 00:00:00", "1501 fi", "111 222 333"): a longer cell is not a value of that type.
_TYPE_LENGTH = {
    "decimal": 30,
    "integer": 20,
    "date": 30,
    "enum": 60,
    "janee": 10,
    "postcode": 10,
    "bsn": 20,
}


class Column(BaseModel):
    """One column of a feed as the supplier delivers it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: ColumnType
    required: bool
    description: str
    role: Literal["person"] | None = None
    values: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    # Date ordering rules: another column's name, or "received" for the delivery's knowledge date.
    not_after: str | None = None
    not_before: str | None = None
    # Conditionally required: {other_column: value}.
    required_when: dict[str, str] | None = None
    # The longest value accepted, in characters; a longer value quarantines the row. Text columns
    # state their own; the other types have a limit no valid value comes near (`length_limit`).
    max_length: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _enum_has_values(self) -> Column:
        if (self.type == "enum") != (self.values is not None):
            raise ValueError(f"column {self.name}: enum columns, and only those, list their values")
        return self

    @model_validator(mode="after")
    def _text_has_a_length(self) -> Column:
        if self.type == "text" and self.max_length is None:
            raise ValueError(f"column {self.name}: text columns state their max_length")
        return self

    @property
    def is_person_field(self) -> bool:
        return self.role == "person"

    @property
    def length_limit(self) -> int:
        """The longest value accepted (characters): the contract's, else one per type."""
        return self.max_length or _TYPE_LENGTH[self.type]


class FeedContract(BaseModel):
    """A feed: its own columns after the common ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feed: str
    version: str
    title: str
    supplier_kinds: tuple[str, ...]
    is_financial: bool
    description: str
    columns: tuple[Column, ...] = Field(min_length=1)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @model_validator(mode="after")
    def _references_exist(self) -> FeedContract:
        names = {c.name for c in self.columns}
        for c in self.columns:
            for ref in (c.not_after, c.not_before):
                if ref is not None and ref != "received" and ref not in names:
                    raise ValueError(f"{self.feed}.{c.name} refers to unknown column {ref}")
            for ref in c.required_when or {}:
                if ref not in names:
                    raise ValueError(f"{self.feed}.{c.name} refers to unknown column {ref}")
        if len(names) != len(self.columns):
            raise ValueError(f"{self.feed}: duplicate column names")
        return self


FEEDS: tuple[str, ...] = (
    "huurachterstand",
    "ontruiming",
    "waterafsluiting",
    "overlast",
    "ggd_melding",
    "ddas",
)


def _read_yaml(name: str) -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@cache
def load_contract(feed: str) -> FeedContract:
    """The contract of one feed, common columns first."""
    if feed not in FEEDS:
        raise KeyError(f"unknown feed {feed!r}; known: {', '.join(FEEDS)}")
    common = _read_yaml("_common.yaml")["columns"]
    own = _read_yaml(f"{feed}.yaml")
    own["columns"] = common + own["columns"]
    return FeedContract.model_validate(own)


def all_contracts() -> tuple[FeedContract, ...]:
    return tuple(load_contract(f) for f in FEEDS)
