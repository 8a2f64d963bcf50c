"""The configured suppliers and teams (config/*.yaml), checked on load.

Team and supplier codes are taken as the region writes them (`ST970101`, `Woonbron Noord`): they
are stored and shown as delivered. Where a name needs a restricted alphabet — list file names, URL
paths, drop-folder names, report file names — the code's `safe_id` is used instead; two codes of a
kind with the same safe id are refused on load.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from signals.contracts import FEEDS


def config_dir() -> Path:
    """`config/` of this checkout, or `$VROEG_CONFIG_DIR` for an installation's own config."""
    override = os.environ.get("VROEG_CONFIG_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "config"


def safe_id(code: str) -> str:
    """The code in the alphabet [a-z0-9_-]: lower case, accents dropped, every other run of characters
    one '-', none at either end. 'ST970101' → 'st970101', 'Team Noord 2' → 'team-noord-2';
    'zaanstad-poelenburg' and 'ggd_zw' stay as they are."""
    plain = unicodedata.normalize("NFKD", code).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9_]+", "-", plain.lower()).strip("-")


def _delivered_code(code: str) -> str:
    """A code as a region writes it: printable, no space at either end, at most 64 characters, and
    with at least one letter or digit (its safe id is not empty)."""
    if not (0 < len(code) <= 64 and code.isprintable() and code == code.strip() and safe_id(code)):
        raise ValueError(
            f"code {code!r}: 1-64 printable characters without a space at either end, with a letter or digit"
        )
    return code


def _unique_safe_ids(kind: str, codes: list[str]) -> None:
    by_id: dict[str, str] = {}
    for code in codes:
        other = by_id.setdefault(safe_id(code), code)
        if other != code:
            raise ValueError(f"{kind} codes {other!r} and {code!r} share the safe id {safe_id(code)!r}")


class Supplier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str
    kind: str
    feeds: tuple[str, ...]
    cadence_days: int = Field(gt=0)
    header_aliases: dict[str, str] = Field(default_factory=dict)

    _code = field_validator("code")(_delivered_code)

    @model_validator(mode="after")
    def _known_feeds(self) -> Supplier:
        unknown = set(self.feeds) - set(FEEDS)
        if unknown:
            raise ValueError(f"supplier {self.code}: unknown feeds {sorted(unknown)}")
        return self

    @property
    def folder(self) -> str:
        """The drop-folder name: inbox/<folder>/<feed>/."""
        return safe_id(self.code)


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str
    gemeente: str
    capacity_per_week: int = Field(gt=0)

    _code = field_validator("code")(_delivered_code)


class SupplierConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    # The upload limit. Measured (bench/intake_memory.py, BENCHMARKS.md): a delivery needs up to
    # ~15 MB of memory per MB of CSV, so 25 MB keeps one delivery under the 500 MB budget; a
    # weekly delivery is well under 1 MB, and a larger history import is delivered in parts.
    max_delivery_mb: int = Field(default=25, gt=0)
    freshness_grace_days: int = Field(default=0, ge=0)
    suppliers: tuple[Supplier, ...]

    @model_validator(mode="after")
    def _distinct_folders(self) -> SupplierConfig:
        _unique_safe_ids("supplier", [s.code for s in self.suppliers])
        return self

    def get(self, code: str) -> Supplier:
        for s in self.suppliers:
            if s.code == code:
                return s
        raise KeyError(f"onbekende leverancier {code!r}")

    def code_for_folder(self, folder: str) -> str:
        """The supplier whose drop folder this is; an unknown folder keeps its own name."""
        return next((s.code for s in self.suppliers if s.folder == folder), folder)


class TeamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    default_capacity_per_week: int = Field(gt=0)
    teams: tuple[Team, ...]

    @model_validator(mode="after")
    def _distinct_safe_ids(self) -> TeamConfig:
        _unique_safe_ids("team", [t.code for t in self.teams])
        return self

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
