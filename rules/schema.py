"""The schema every rule file is checked against, and loading the catalogue."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from signals.features import FEATURES

CATALOGUE = Path(__file__).parent / "catalogue"
Tier = Literal["crisis", "hoog", "normaal"]
Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "between", "in", "is_set", "is_not_set"]
FORMATS = ("eur", "maanden", "datum", "aantal", "tekst")
PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)(?::([a-z]+))?\}")


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    feature: str
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _check(self) -> Comparison:
        if self.feature not in FEATURES:
            raise ValueError(f"unknown feature {self.feature!r}")
        kind = FEATURES[self.feature][0]
        if self.op in ("is_set", "is_not_set"):
            if self.value is not None:
                raise ValueError(f"{self.op} takes no value")
        elif self.op == "between":
            if not (isinstance(self.value, list) and len(self.value) == 2):
                raise ValueError("between takes a list [low, high]")
        elif self.op == "in":
            if not (isinstance(self.value, list) and self.value):
                raise ValueError("in takes a non-empty list")
        elif self.value is None:
            raise ValueError(f"{self.op} needs a value")
        values = self.value if isinstance(self.value, list) else [self.value]
        if kind == "number" and not all(isinstance(v, int | float) for v in values if v is not None):
            raise ValueError(f"{self.feature} is a number; compare it with numbers")
        return self


class Condition(BaseModel):
    """`all` or `any` of comparisons or nested conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    all: tuple[Comparison | Condition, ...] | None = None
    any: tuple[Comparison | Condition, ...] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Condition:
        if (self.all is None) == (self.any is None):
            raise ValueError("a condition has exactly one of `all` or `any`")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^R\d{3}$")
    version: int = Field(ge=1)
    title: str = Field(min_length=5)
    tier: Tier
    points: int = Field(ge=0, le=1000)
    when: Condition
    reason: str = Field(min_length=10)
    owner: str
    rationale: str = Field(min_length=20)
    valid_from: date
    valid_until: date | None = None

    @model_validator(mode="after")
    def _reason_placeholders(self) -> Rule:
        for name, fmt in PLACEHOLDER.findall(self.reason):
            if name not in FEATURES:
                raise ValueError(f"reason uses unknown feature {name!r}")
            if fmt and fmt not in FORMATS:
                raise ValueError(f"reason format {fmt!r} unknown; use one of {', '.join(FORMATS)}")
        if PLACEHOLDER.sub("", self.reason).count("{") or PLACEHOLDER.sub("", self.reason).count("}"):
            raise ValueError("reason has an unmatched { or }")
        return self

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


class FeatureWindows(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lookback_days: int = Field(gt=0)
    financial_window_days: int = Field(gt=0)
    short_window_days: int = Field(gt=0)
    stacking_window_days: int = Field(gt=0)
    ggd_window_days: int = Field(gt=0)
    trajectory_window_days: int = Field(gt=0)
    trajectory_results: tuple[str, ...] = Field(min_length=1)


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    features: FeatureWindows
    channels: dict[Tier, str]
    tiers: tuple[Tier, ...]
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("two rules share an id")
        if set(self.channels) != set(self.tiers):
            raise ValueError("every tier needs a channel")
        return self


class CatalogueError(ValueError):
    """A rule file is not valid; the message names the file and the problem."""


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: geen geldige YAML: {exc}") from exc


def load_ruleset(folder: Path = CATALOGUE) -> RuleSet:
    """The rule set and every rule file in `folder`, validated; raises CatalogueError."""
    rules = []
    for path in sorted(folder.glob("R*.yaml")):
        try:
            rules.append(Rule.model_validate(_read(path)))
        except ValidationError as exc:
            raise CatalogueError(f"{path.name}: {_explain(exc)}") from exc
    try:
        return RuleSet.model_validate({**_read(folder / "ruleset.yaml"), "rules": rules})
    except ValidationError as exc:
        raise CatalogueError(f"ruleset.yaml: {_explain(exc)}") from exc


def _explain(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'bestand'}: {e['msg']}" for e in exc.errors())


@cache
def default_ruleset() -> RuleSet:
    return load_ruleset()
