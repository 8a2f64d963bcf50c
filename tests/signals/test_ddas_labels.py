"""The DDAS value lists across versions: signals/ddas_versions.yaml is exactly the difference
between the v0.9 and v1.2 schemas (read from ../shared/standards), registrations in older words are
stored in the current ones, and a v0.9 file gets only values v0.9 allows."""

from __future__ import annotations

import json

import polars as pl

from signals.ddas import CURRENT, schema_path
from signals.ddas_labels import LISTS, for_version, new_in_current, renamed, to_current
from signals.registrations import load_registrations


def _enums(version: str) -> dict[str, set[str]]:
    defs = json.loads(schema_path(version).read_text(encoding="utf-8"))["$defs"]
    return {name: set(defs[name]["enum"]) for name in LISTS}


def test_the_version_file_is_the_difference_between_the_two_schemas():
    older, current = _enums("0.9"), _enums(CURRENT)
    for enum in LISTS:
        moves = renamed(enum)
        assert set(moves) == older[enum] - current[enum], enum  # every v0.9-only value is renamed
        assert set(moves.values()) <= current[enum] - older[enum]
        # every v1.2-only value is a rename target or has a stated v0.9 substitute (or none)
        assert set(new_in_current(enum)) == current[enum] - older[enum] - set(moves.values()), enum
        assert {v for v in new_in_current(enum).values() if v is not None} <= older[enum]


def test_a_v0_9_file_holds_only_v0_9_values():
    older, current = _enums("0.9"), _enums(CURRENT)
    for enum in LISTS:
        frame = for_version("0.9", enum, tuple(sorted(current[enum])))
        assert set(frame["exported"].drop_nulls()) <= older[enum]
        same = for_version(CURRENT, enum, tuple(sorted(current[enum])))
        assert same["stored"].to_list() == same["exported"].to_list()


def test_registrations_in_older_words_are_stored_in_the_current_ones(tmp_path):
    import duckdb

    from warehouse.migrate import migrate

    folder = tmp_path / "registraties"
    folder.mkdir()
    (folder / "contactpogingen.csv").write_text(
        "postcode,huisnummer,huisnummer_toevoeging,wijkteam,datum,soort,bereikt,dagdeel\n"
        "1000AA,1,,team,2026-01-05,Telefoon,ja,Ochtend\n"
    )
    (folder / "resultaten.csv").write_text(
        "postcode,huisnummer,huisnummer_toevoeging,wijkteam,datum,eindresultaat\n"
        "1000AA,1,,team,2026-01-06,Verwijzing zonder contact\n"
        "1000AA,2,,team,2026-01-07,Inwoner hoeft geen hulp vanuit vroegsignalering\n"
        "1000AA,3,,team,2026-01-08,Vervolghulp en/of verwijzing\n"
    )
    con = duckdb.connect()
    migrate(con)
    assert load_registrations(con, folder) == (1, 3)
    stored = [
        r for (r,) in con.execute("select eindresultaat from reg_case_result order by result_date").fetchall()
    ]
    assert stored == [
        "Verwijzing zonder tussenkomst inwoner",
        "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
        "Vervolghulp en/of verwijzing",
    ]
    frame = pl.DataFrame({"x": ["Verwijzing zonder contact", "Brief"]})
    assert frame.select(to_current("x", "EnumEindresultaat"))["x"].to_list() == [
        "Verwijzing zonder tussenkomst inwoner",
        "Brief",
    ]
