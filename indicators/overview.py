"""What the report says first: the headline figures of a year against the baseline, and which years
the data does not fully cover.

A year in which a feed's data only starts (the first delivery of a new region) is not a whole year:
its counts cover a few months but the rates treat them as twelve, so a change against it means
nothing. Such a year is named with the date the data starts ("onvolledig jaar: gegevens vanaf
1 september 2025"), its change column is left empty and a year with no data at all gets no chart.
"""

from __future__ import annotations

from datetime import date

import duckdb

from rules.schema import dutch_date

# The first date of each source, as the warehouse holds it now.
FIRST_DATES = {
    "ontruimingen": "select min(stage_date) from stg_ontruiming",
    "overlast": "select min(report_date) from stg_overlast",
    "signalen": "select min(event_date) from int_signal__linked where is_financial",
}
# Which source a report section counts (indicators/tables.py TABLES).
SECTION_SOURCE = {
    "ontruimingen": "ontruimingen",
    "ontruimingen_en_lijsten": "ontruimingen",
    "overlast": "overlast",
}
SOURCE_WORDS = {
    "ontruimingen": "ontruimingen",
    "overlast": "overlastmeldingen",
    "signalen": "financiële signalen",
}

# (section, rate column without the year, what it counts) of the headline figures.
HEADLINES = (
    ("ontruimingen", "per 1.000 corporatiewoningen per jaar", "Uitgevoerde ontruimingen"),
    ("overlast", "per 1.000 corporatiewoningen per jaar", "Overlastmeldingen"),
    ("signalen", "per 1.000 inwoners per maand", "Financiële signalen"),
)


def first_dates(con: duckdb.DuckDBPyConnection) -> dict[str, date | None]:
    """The first date of each source; None for a source without rows (or without its table)."""
    found = {}
    for source, query in FIRST_DATES.items():
        try:
            found[source] = con.execute(query).fetchall()[0][0]
        except duckdb.CatalogException:
            found[source] = None
    return found


def source_of(stem: str) -> str:
    return SECTION_SOURCE.get(stem, "signalen")


def gap_nl(first: date | None, year: int) -> str | None:
    """Why `year` is not a whole year of this source, or None when it is (or nothing is known)."""
    if first is None or first.year < year or first == date(year, 1, 1):
        return None
    if first.year > year:
        return f"geen gegevens over {year}: gegevens vanaf {dutch_date(first)}"
    return f"onvolledig jaar: gegevens vanaf {dutch_date(first)}"


def section_note(first: date | None, year: int, baseline: int) -> tuple[str | None, bool, bool]:
    """(Dutch note, change is meaningless, year has no data) for one section."""
    notes, change_void = [], False
    for which, y in (("", year), ("basisjaar ", baseline)) if year != baseline else (("", year),):
        gap = gap_nl(first, y)
        if gap:
            notes.append(f"{which.capitalize() or ''}{y}: {gap}".strip())
            change_void = True
    if change_void and year != baseline:
        notes.append(f"Een verandering ten opzichte van {baseline} is daarom niet berekend.")
    no_data = first is not None and first.year > year
    return (" ".join(n if n.endswith(".") else n + "." for n in notes) or None), change_void, no_data


def headlines(sections: list, year: int, baseline: int) -> list[str]:
    """A few Dutch lines: per headline indicator the region's rate in `year` and in the baseline."""
    lines = []
    by_stem = {s.stem: s for s in sections}
    for stem, rate, words in HEADLINES:
        section = by_stem.get(stem)
        if section is None or not section.rows:
            continue
        row = dict(zip(section.columns, section.rows[0], strict=True))  # the region comes first
        now, base = row.get(rate), row.get(f"{rate} {baseline}")
        line = f"{words}: {now or 'afgeschermd'} {rate} in {year}"
        if year != baseline:
            line += f" (basisjaar {baseline}: {base or 'afgeschermd'})"
        if section.note:
            line += "; onvolledig jaar, zie de toelichting hieronder"
        lines.append(line + ".")
    return lines


def coverage_lines(firsts: dict[str, date | None], year: int, baseline: int) -> list[str]:
    """Per source, the shown year or baseline it does not fully cover: "Financiële signalen 2025:
    onvolledig jaar: gegevens vanaf 1 september 2025."."""
    lines = []
    for source, first in firsts.items():
        for y in sorted({year, baseline}):
            gap = gap_nl(first, y)
            if gap:
                lines.append(f"{SOURCE_WORDS[source].capitalize()} {y}: {gap}.")
    return lines
