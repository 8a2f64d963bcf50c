"""Checking what a coordinator typed into a household form, one Dutch sentence per field.

A `Form` keeps every value as typed (the page shows them again when something is refused) and the
error per field. The limits of plausible dates and of notes are configuration (config/forms.yaml);
"today" is the date in Europe/Amsterdam, where the teams work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field

from portal.dutch import AMSTERDAM, nl_date
from signals.registry import config_dir
from signals.retention import retention

# What the household page confirms after `?opgeslagen=<form>`: the form's name, never a value.
SAVED = {
    "contactpoging": "De contactpoging is vastgelegd.",
    "resultaat": "Het eindresultaat is vastgelegd.",
    "toewijzing": "De toewijzing is vastgelegd.",
    "baan": "Het huishouden staat nu in de gekozen baan.",
    "intrekken": "De registratie is ingetrokken.",
}

# The placeholder of a select: no value is preselected, and submitting it is refused.
CHOOSE = ""


class FormsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    follow_up_max_months: int = Field(gt=0)
    note_max_chars: int = Field(gt=0)


@cache
def forms_config() -> FormsConfig:
    return FormsConfig.model_validate(
        yaml.safe_load((config_dir() / "forms.yaml").read_text(encoding="utf-8"))
    )


def today() -> date:
    """Today in Europe/Amsterdam (the server may run in UTC: just after midnight it is yesterday)."""
    return datetime.now(tz=AMSTERDAM).date()


def months_after(day: date, months: int) -> date:
    """The same day `months` later (or the month's last day): 31 August + 6 → 28 or 29 February."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


@dataclass(frozen=True)
class DateRange:
    """The dates a field accepts, and what a date before or after them is, in words."""

    first: date
    last: date
    too_early: str
    too_late: str


def event_dates(first_signal: date | None, on: date | None = None) -> DateRange:
    """The dates a contact attempt or result may have: from the first signal to today."""
    now = on or today()
    floor = first_signal or months_after(now, -retention().registrations_months)
    since = "het eerste signaal" if first_signal else "de bewaartermijn van registraties"
    return DateRange(min(floor, now), now, f"ligt vóór {since}", "ligt in de toekomst")


def follow_up_dates(on: date | None = None) -> DateRange:
    """The dates a follow-up may be planned on: today to follow_up_max_months ahead."""
    now = on or today()
    months = forms_config().follow_up_max_months
    return DateRange(
        now, months_after(now, months), "ligt in het verleden", f"ligt meer dan {months} maanden vooruit"
    )


def _parse_day(raw: str) -> date | None:
    """2026-12-05 (what a date field sends) or 5-12-2026 (typed where a browser has no date field)."""
    for parse in (date.fromisoformat, lambda v: datetime.strptime(v, "%d-%m-%Y").date()):
        try:
            return parse(raw)
        except ValueError:
            continue
    return None


@dataclass
class Form:
    """One submitted form: its name (the page's anchor), the values as typed, the errors per field."""

    name: str
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def refuse(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)  # the first problem of a field is the one to fix

    def date(self, name: str, allowed: DateRange, what: str) -> date | None:
        raw = self.values.get(name, "").strip()
        if not raw:
            self.refuse(name, f"Vul de {what} in.")
            return None
        day = _parse_day(raw)
        if day is None:
            self.refuse(name, f"Vul de {what} in als dag-maand-jaar, bijvoorbeeld {nl_date(allowed.last)}.")
            return None
        if day < allowed.first or day > allowed.last:
            problem = allowed.too_early if day < allowed.first else allowed.too_late
            self.refuse(
                name,
                f"De {what} {problem}: kies een datum van {nl_date(allowed.first)} "
                f"tot en met {nl_date(allowed.last)}.",
            )
            return None
        return day

    def choice(self, name: str, allowed: tuple[str, ...], what: str, required: bool = True) -> str | None:
        value = self.values.get(name, "")
        if value == CHOOSE and not required:
            return None
        if value == CHOOSE:
            self.refuse(name, f"Kies een {what}.")
        elif value not in allowed:
            self.refuse(name, f"Kies een {what} uit de lijst.")
        else:
            return value
        return None

    def text(self, name: str, what: str, shortest: int, longest: int) -> str:
        """Free text with its runs of white space made one space; '' if refused or left empty."""
        value = " ".join(self.values.get(name, "").split())
        if len(value) < shortest or len(value) > longest:
            self.refuse(name, f"Geef {what} ({shortest} tot {longest} tekens).")
            return ""
        return value

    def note(self, name: str) -> str | None:
        """An optional note: plain text, line breaks kept, at most note_max_chars; None if empty."""
        longest = forms_config().note_max_chars
        lines = [" ".join(line.split()) for line in self.values.get(name, "").splitlines()]
        value = "\n".join(lines).strip()
        if len(value) > longest:
            self.refuse(name, f"Maak de notitie korter: hoogstens {longest} tekens, nu {len(value)}.")
            return None
        return value or None
