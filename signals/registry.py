"""The configured suppliers and teams (config/*.yaml), checked on load."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from signals.contracts import FEEDS


def config_dir() -> Path:
    """`config/` of this checkout, or `$VROEG_CONFIG_DIR` for an installation's own config."""
    override = os.environ.get("VROEG_CONFIG_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "config"


class Supplier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    kind: str
    feeds: tuple[str, ...]
    cadence_days: int = Field(gt=0)
    header_aliases: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_feeds(self) -> Supplier:
        unknown = set(self.feeds) - set(FEEDS)
        if unknown:
            raise ValueError(f"supplier {self.code}: unknown feeds {sorted(unknown)}")
        return self


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9\-]+$")
    name: str
    gemeente: str
    capacity_per_week: int = Field(gt=0)


class SupplierConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    # The upload limit. Measured (bench/intake_memory.py, BENCHMARKS.md): a delivery needs up to
    # ~15 MB of memory per MB of CSV, so 25 MB keeps one delivery under the 500 MB budget; a
    # weekly delivery is well under 1 MB, and a larger history import is delivered in parts.
    max_delivery_mb: int = Field(default=25, gt=0)
    freshness_grace_days: int = Field(default=0, ge=0)
    suppliers: tuple[Supplier, ...]

    def get(self, code: str) -> Supplier:
        for s in self.suppliers:
            if s.code == code:
                return s
        raise KeyError(f"onbekende leverancier {code!r}")


class TeamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    default_capacity_per_week: int = Field(gt=0)
    teams: tuple[Team, ...]

    def capacity(self, code: str) -> int:
        for t in self.teams:
            if t.code == code:
                return t.capacity_per_week
        return self.default_capacity_per_week


def _load(name: str) -> dict:
    return yaml.safe_load((config_dir() / name).read_text(encoding="utf-8"))


@cache
def suppliers() -> SupplierConfig:
    return SupplierConfig.model_validate(_load("suppliers.yaml"))


@cache
def teams() -> TeamConfig:
    return TeamConfig.model_validate(_load("teams.yaml"))
