"""Flats without their huisnummertoevoeging (docs/linking.md, "Address"): linked to the one dwelling
at the number, or to the one dwelling with a household known there; otherwise quarantined with the
flats named, and linked by a later correction of the same bron_referentie."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from signals.addresses import load_reference
from signals.features import link_signals
from signals.intake import IncomingFile, ingest_files
from signals.pseudonymise import pseudonym_key
from warehouse.store import write_session

HEADER = "bron_referentie,postcode,huisnummer,huisnummer_toevoeging,categorie,urgentie,meldingsdatum"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ref = tmp_path / "reference"
    ref.mkdir()
    rows = [("1503QU", 7, "A"), ("1503QU", 7, "B"), ("1503QU", 7, "C"), ("1504QU", 9, "2")]
    (ref / "adressen.csv").write_text(
        "postcode,huisnummer,huisnummer_toevoeging,straat,woonplaats,gemeente,wijk,buurt,wijkteam\n"
        + "".join(f"{p},{n},{s},Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum\n" for p, n, s in rows)
    )
    (ref / "buurten.csv").write_text(
        "gemeente,wijk,buurt,wijkteam,inwoners,huishoudens,corporatiewoningen\n"
        "Zaanstad,Oost,B1,zaanstad-centrum,10,5,2\n"
    )
    return tmp_path


def _file(ws: Path, name: str, lines: list[str], day: int) -> IncomingFile:
    path = ws / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return IncomingFile(path, "ggd_zw", "ggd_melding", datetime(2026, 10, day, 7, tzinfo=UTC))


def _addresses(con) -> dict[str, str]:
    return dict(con.execute("select source_ref, address_key from stg_ggd_melding").fetchall())


def test_a_flat_without_toevoeging_goes_to_the_one_dwelling_with_a_known_household(workspace):
    with write_session(workspace / "w.duckdb") as con:
        load_reference(con, workspace / "reference")
        first = _file(workspace, "a.csv", ["G1,1503QU,7,B,zorgmijding,laag,2026-10-01"], 2)
        ingest_files(con, [first], workspace / "archive", pseudonym_key())
        link_signals(con)
        later = _file(
            workspace,
            "b.csv",
            ["G2,1503QU,7,,verward_gedrag,laag,2026-10-08", "G3,1504QU,9,,woningvervuiling,laag,2026-10-08"],
            9,
        )
        (record,) = ingest_files(con, [later], workspace / "archive", pseudonym_key())
        addresses = _addresses(con)
    assert (record.rows_read, record.rows_loaded, record.rows_quarantined) == (2, 2, 0)
    assert addresses["G2"] == "1503QU-7-B"  # the only one of 7-A/B/C with a household known
    assert addresses["G3"] == "1504QU-9-2"  # the only dwelling at number 9
    assert any("zonder huisnummertoevoeging" in w for w in record.warnings)


def test_several_dwellings_and_none_known_is_quarantined_and_a_correction_links_it(workspace):
    with write_session(workspace / "w.duckdb") as con:
        load_reference(con, workspace / "reference")
        bare = _file(workspace, "a.csv", ["G1,1503QU,7,,zorgmijding,laag,2026-10-01"], 2)
        (first,) = ingest_files(con, [bare], workspace / "archive", pseudonym_key())
        reason = con.execute(
            "select column_name, reason_nl from quarantine_finding where delivery_id = ?", [first.delivery_id]
        ).fetchall()
        corrected = _file(workspace, "b.csv", ["G1,1503QU,7,C,zorgmijding,laag,2026-10-01"], 9)
        (second,) = ingest_files(con, [corrected], workspace / "archive", pseudonym_key())
        addresses = _addresses(con)
    assert (first.rows_loaded, first.rows_quarantined) == (0, 1)
    assert reason == [
        (
            "huisnummer_toevoeging",
            "Bij dit huisnummer horen meerdere woningen (toevoeging A, B, C) en de regel noemt er geen; "
            "lever de regel opnieuw met de toevoeging (dezelfde bron_referentie geldt dan als correctie).",
        )
    ]
    assert second.rows_loaded == 1 and addresses == {"G1": "1503QU-7-C"}
