"""Intake against a real warehouse file: counts identity, repeats, corrections, no BSN stored."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from signals.addresses import load_reference
from signals.intake import IncomingFile, ingest_files
from signals.pseudonymise import pseudonym_key
from warehouse.store import write_session

HEADER = (
    "bron_referentie;postcode;huisnummer;huisnummer_toevoeging;contractnummer;maandhuur_eur;"
    "achterstand_eur;achterstand_sinds;signaaldatum;bsn;achternaam;telefoon"
)
VALID_BSN = "111222333"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ref = tmp_path / "reference"
    ref.mkdir()
    (ref / "adressen.csv").write_text(
        "postcode,huisnummer,huisnummer_toevoeging,straat,woonplaats,gemeente,wijk,buurt,wijkteam\n"
        "1501FI,12,,Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum\n"
        "1501FI,14,A,Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum\n"
    )
    (ref / "buurten.csv").write_text(
        "gemeente,wijk,buurt,wijkteam,inwoners,huishoudens,corporatiewoningen\n"
        "Zaanstad,Oost,B1,zaanstad-centrum,10,5,2\n"
    )
    return tmp_path


def _deliver(ws: Path, name: str, lines: list[str], when: str) -> IncomingFile:
    folder = ws / "inbox" / "zaanoever" / "huurachterstand"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode("cp1252"))
    stamp = datetime.fromisoformat(when).replace(tzinfo=UTC)
    return IncomingFile(path, "zaanoever", "huurachterstand", stamp)


def _ingest(ws: Path, files: list[IncomingFile]):
    with write_session(ws / "w.duckdb") as con:
        load_reference(con, ws / "reference")
        records = ingest_files(con, files, ws / "archive", pseudonym_key())
        tables = {
            t: con.sql(f"select * from {t}").fetchall()  # noqa: S608 - fixed names
            for t in (
                "raw_delivery",
                "raw_rows",
                "stg_huurachterstand",
                "quarantine_finding",
                "pii_contact",
            )
        }
    return records, tables


def test_counts_identity_quarantine_and_pseudonymisation(workspace):
    first = _deliver(
        workspace,
        "a.csv",
        [
            f"r1;1501 FI;12;;C1;650;1300;2026-09-01;2026-10-01;{VALID_BSN};Jansen;0612345678",
            "r2;1501FI;99;;C2;650;1300;2026-09-01;2026-10-01;;;",
            "r3;1501FI;14;a;C3;650;1300;2026-09-01;2026-10-01;123456789;;",
        ],
        "2026-10-05T07:00:00",
    )
    records, tables = _ingest(workspace, [first])
    (record,) = records
    assert (record.rows_read, record.rows_loaded, record.rows_quarantined) == (3, 1, 2)
    reasons = {(f[1], f[2]): f[5] for f in tables["quarantine_finding"]}
    assert "adressentabel" in reasons[(3, "postcode")]
    assert reasons[(4, "bsn")] == "Het BSN voldoet niet aan de elfproef."
    staged = tables["stg_huurachterstand"]
    assert len(staged) == 1 and staged[0][6] == "1501FI-12"
    flat = repr(tables)
    for secret in (VALID_BSN, "123456789", "0612345678"):
        assert secret not in flat.replace(repr(tables["pii_contact"]), "")
    assert VALID_BSN not in flat and "123456789" not in flat
    assert "Jansen" in repr(tables["pii_contact"])
    assert "Jansen" not in flat.replace(repr(tables["pii_contact"]), "")
    assert record.archive_path.startswith("archive/")  # relative to the workspace root
    archived = workspace / record.archive_path
    assert archived.read_bytes() == first.path.read_bytes()


def test_same_file_twice_changes_nothing_and_corrections_keep_history(workspace):
    line = "r1;1501FI;12;;C1;650;1300;2026-09-01;2026-10-01;;;"
    first = _deliver(workspace, "a.csv", [line], "2026-10-05T07:00:00")
    again = _deliver(workspace, "a_copy.csv", [line], "2026-10-06T07:00:00")
    fixed = _deliver(workspace, "b.csv", [line.replace(";1300;", ";1950;")], "2026-10-12T07:00:00")
    records, tables = _ingest(workspace, [first, again])
    assert len(records) == 1 and len(tables["stg_huurachterstand"]) == 1
    records, tables = _ingest(workspace, [first, again])
    assert records == [] and len(tables["raw_delivery"]) == 1
    records, tables = _ingest(workspace, [fixed])
    amounts = sorted(float(r[10]) for r in tables["stg_huurachterstand"])
    assert amounts == [1300.0, 1950.0]
