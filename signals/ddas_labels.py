"""The DDAS value lists across versions: registrations in the current (v1.2) words, v0.9 on export.

Teams register contact attempts and end results with the value lists of the current DDAS version
(signals/ddas.py `vocabulary_lists`). Registrations made before v1.2 (the previous registration
system's files, older portal rows) may use a v0.9 value that v1.2 renamed: `to_current` reads them
in the current words, so the warehouse holds one vocabulary. A v0.9 export (the transition period)
writes the older words back with `for_version`; a value v0.9 does not have becomes its stated
substitute or is left out (signals/ddas_versions.yaml).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import yaml

from signals.ddas import CURRENT

LISTS = ("EnumContactsoort", "EnumDagdeel", "EnumEindresultaat", "EnumSignaalstatus")


@cache
def _versions() -> dict:
    return yaml.safe_load(Path(__file__).with_name("ddas_versions.yaml").read_text(encoding="utf-8"))


def renamed(enum: str) -> dict[str, str]:
    """Older value → current value for one value list (empty when nothing was renamed)."""
    return dict(_versions()["renamed"].get(enum, {}))


def new_in_current(enum: str) -> dict[str, str | None]:
    """Current value without an older equivalent → what a v0.9 file holds instead (None: left out)."""
    return dict(_versions()["new_in_current"].get(enum, {}))


def accepted(enum: str, current: tuple[str, ...]) -> tuple[str, ...]:
    """The values a registration may hold: the current list and the older names of renamed values."""
    return (*current, *renamed(enum))


def to_current(column: str, enum: str) -> pl.Expr:
    """`column` in the current words (older renamed values replaced, the rest as it is)."""
    return pl.col(column).replace(renamed(enum))


def for_version(version: str, enum: str, current: tuple[str, ...]) -> pl.DataFrame:
    """(stored, exported): every current value of `enum` as a file of `version` writes it.

    For the current version every value is itself; for v0.9 renamed values get their older name
    and values new in the current version their substitute, or null (left out).
    """
    if version == CURRENT:
        exported = list(current)
    else:
        older = {new: old for old, new in renamed(enum).items()}
        substitutes = new_in_current(enum)
        exported = [older.get(v, substitutes.get(v, v)) for v in current]
    return pl.DataFrame(
        {"stored": list(current), "exported": exported},
        schema=[("stored", pl.String), ("exported", pl.String)],
    )
