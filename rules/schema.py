"""The schema every rule file is checked against, and loading the catalogue."""

from __future__ import annotations

import os
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rules.lanes import LaneSet, default_lanes
from signals.features import FEATURES

CATALOGUE = Path(__file__).parent / "catalogue"
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


class Acute(BaseModel):
    """What a rule that moves a household into a lane ordered by date says about the situation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The date the situation is about: the first of these features that is set (e.g. the planned
    # eviction date, or the day a cut-off was executed). The lane is ordered by it.
    date: tuple[str, ...] = Field(min_length=1)
    # The suggested action, in Dutch, for the coordinator (a person decides).
    action: str = Field(min_length=10)

    @model_validator(mode="after")
    def _dates(self) -> Acute:
        for name in self.date:
            if name not in FEATURES or FEATURES[name][0] != "date":
                raise ValueError(f"acute.date: {name!r} is not a date feature")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^R\d{3}$")
    version: int = Field(ge=1)
    title: str = Field(min_length=5)
    # The lane (rules/lanes.yaml) this rule moves a household into; without it, the rule gives a
    # reason and leaves the household where it is.
    lane: str | None = None
    acute: Acute | None = None
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

    def validity_nl(self) -> str:
        """When the rule holds, as a Dutch reader writes dates."""
        text = f"geldig vanaf {dutch_date(self.valid_from)}"
        if self.valid_until is not None:
            text += f" tot {dutch_date(self.valid_until)}"
        return text


MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def dutch_date(day: date) -> str:
    """3 september 2026."""
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


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
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("two rules share an id")
        return self

    def valid_on(self, day: date) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.is_valid_on(day))

    def validity_warnings(self, day: date, lanes: LaneSet) -> list[str]:
        """Dutch warnings for a run on `day`: every rule that does not hold then, and every lane that
        no rule valid then can route a household into (that lane stays empty)."""
        warnings = [
            f"Regel {r.id} ({r.title}) geldt niet op peildatum {dutch_date(day)} ({r.validity_nl()}): "
            "hij wordt niet toegepast."
            for r in self.rules
            if not r.is_valid_on(day)
        ]
        routed = {r.lane for r in self.valid_on(day)}
        warnings += [
            f"Baan {lane.label} blijft leeg: geen regel die huishoudens in deze baan plaatst geldt op "
            f"peildatum {dutch_date(day)}."
            for lane in lanes.lanes
            if lane.code != lanes.default_lane and lane.code not in routed
        ]
        return warnings


class CatalogueError(ValueError):
    """A rule file is not valid; the message names the file and the problem."""


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: geen geldige YAML: {exc}") from exc


def _check_lane(path: Path, rule: Rule, lanes: LaneSet) -> None:
    if rule.lane is None:
        if rule.acute is not None:
            raise CatalogueError(f"{path.name}: acute: alleen voor een regel die een baan kiest (lane)")
        return
    if rule.lane not in lanes.codes:
        raise CatalogueError(
            f"{path.name}: lane: onbekende baan {rule.lane!r}; kies uit {', '.join(lanes.codes)}"
        )
    if rule.lane == lanes.default_lane:
        raise CatalogueError(
            f"{path.name}: lane: {rule.lane!r} is de standaardbaan; een regel zonder lane laat het "
            "huishouden daar"
        )
    if (lanes.lane(rule.lane).order == "acute_date") != (rule.acute is not None):
        raise CatalogueError(
            f"{path.name}: acute: de baan {lanes.label(rule.lane)} is geordend op datum, dus de regel "
            "geeft acute.date en acute.action (en alleen dan)"
        )


def load_ruleset(folder: Path = CATALOGUE, lanes: LaneSet | None = None) -> RuleSet:
    """The rule set and every rule file in `folder`, validated; raises CatalogueError.

    Besides each file's own schema: a rule's lane exists in rules/lanes.yaml, and every lane but
    the default one has at least one rule that routes households into it — a catalogue change that
    leaves a lane empty for good is refused, not discovered on a quiet list.
    """
    lanes = lanes or default_lanes()
    rules = []
    for path in sorted(folder.glob("R*.yaml")):
        try:
            rule = Rule.model_validate(_read(path))
        except ValidationError as exc:
            raise CatalogueError(f"{path.name}: {_explain(exc)}") from exc
        _check_lane(path, rule, lanes)
        rules.append(rule)
    for lane in lanes.lanes:
        if lane.code != lanes.default_lane and not any(r.lane == lane.code for r in rules):
            raise CatalogueError(
                f"baan {lane.label}: geen enkele regel plaatst huishoudens in deze baan, dus zij zou "
                "altijd leeg blijven"
            )
    try:
        return RuleSet.model_validate({**_read(folder / "ruleset.yaml"), "rules": rules})
    except ValidationError as exc:
        raise CatalogueError(f"ruleset.yaml: {_explain(exc)}") from exc


def _explain(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'bestand'}: {e['msg']}" for e in exc.errors())


def catalogue_dir() -> Path:
    """The rule catalogue in use: `$VROEG_RULES_DIR` (an installation's own, reviewed catalogue) or
    the one in this checkout."""
    override = os.environ.get("VROEG_RULES_DIR")
    return Path(override) if override else CATALOGUE


@cache
def default_ruleset() -> RuleSet:
    return load_ruleset(catalogue_dir())
