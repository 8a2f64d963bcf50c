"""Every corpus delivery produces its expected report, and the counts identity always holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from signals.addresses import load_reference
from signals.intake import IncomingFile, ingest_files
from signals.pseudonymise import pseudonym_key
from signals.report import delivery_report, write_report
from tests.signals.corpus import REFERENCE, Case, cases
from warehouse.store import write_session

RECEIVED = datetime(2026, 10, 8, 7, 0, tzinfo=UTC)


def write_reference(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["postcode,huisnummer,huisnummer_toevoeging,straat,woonplaats,gemeente,wijk,buurt,wijkteam"]
    lines += [f"{p},{n},{s},Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum" for p, n, s in REFERENCE]
    (folder / "adressen.csv").write_text("\n".join(lines) + "\n")
    (folder / "buurten.csv").write_text(
        "gemeente,wijk,buurt,wijkteam,inwoners,huishoudens,corporatiewoningen\nZaanstad,Oost,B1,zaanstad-centrum,9,4,2\n"
    )


def ingest_case(tmp_path: Path, case: Case):
    write_reference(tmp_path / "reference")
    path = tmp_path / case.file_name
    path.write_bytes(case.data)
    incoming = IncomingFile(path, case.supplier, case.feed, RECEIVED)
    with write_session(tmp_path / "w.duckdb") as con:
        load_reference(con, tmp_path / "reference")
        (record,) = ingest_files(con, [incoming], tmp_path / "archive", pseudonym_key())
        report = delivery_report(con, record.delivery_id)
        tables = {
            t: con.execute(f"select * from {t}").fetchall()  # noqa: S608 - fixed names
            for t in ("raw_rows", "stg_huurachterstand", "quarantine_finding", "raw_delivery")
        }
    return record, report, tables


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_corpus_delivery_gives_the_expected_report(tmp_path, case):
    record, report, _ = ingest_case(tmp_path, case)
    assert record.status == case.status, record.rejection_reason
    assert record.rows_read == record.rows_loaded + record.rows_quarantined
    if case.counts:
        assert (record.rows_read, record.rows_loaded, record.rows_quarantined) == case.counts
    got = [(f["regel"], f["kolom"], f["reden"]) for f in report.findings.iter_rows(named=True)]
    for line, column, phrase in case.findings:
        assert any(g[0] == line and g[1] == column and phrase in g[2] for g in got), (
            line,
            column,
            phrase,
            got,
        )
    quarantined_lines = {g[0] for g in got if g[0] is not None}
    if record.status == "geaccepteerd":
        assert len(quarantined_lines) == record.rows_quarantined
    for phrase in case.warnings:
        assert any(phrase in w for w in record.warnings)
    html, csv = write_report(report, tmp_path / "reports")
    assert record.status in html.read_text(encoding="utf-8")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_corpus_is_large_enough():
    assert len(cases()) >= 25


def test_person_data_only_in_the_contact_table(tmp_path):
    case = next(c for c in cases() if c.name == "person fields only in the contact table")
    _, _, tables = ingest_case(tmp_path, case)
    everything = repr(tables)
    for value in ("111222333", "Testpersoon", "0699999999", "a@example.nl"):
        assert value not in everything


def test_report_escapes_delivered_html(tmp_path):
    case = Case(
        "hostile value",
        "overlast",
        b"bron_referentie,postcode,huisnummer,categorie,meldingsdatum\n"
        b"X1,1501FI,12,<script>alert(1)</script>,2026-09-30\n",
    )
    _, report, _ = ingest_case(tmp_path, case)
    html, _ = write_report(report, tmp_path / "reports")
    text = html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text


def test_a_200000_row_delivery(tmp_path):
    from tests.signals.corpus import HUUR, csv, many

    rows = many(HUUR, 200_000)
    rows[1234] = {**rows[1234], "achterstand_eur": "-5"}
    record, report, _ = ingest_case(tmp_path, Case("large", "huurachterstand", csv(rows)))
    assert (record.rows_read, record.rows_loaded, record.rows_quarantined) == (200_000, 199_999, 1)
    assert report.findings.row(0, named=True)["regel"] == 1236


def test_a_header_only_delivery_counts_for_freshness(tmp_path):
    """A supplier with nothing to report this week sends its header: on time, not silent."""
    from datetime import timedelta

    from signals.freshness import stale_suppliers
    from signals.registry import suppliers
    from tests.signals.corpus import HUUR, csv

    case = Case("nothing this week", "huurachterstand", csv([HUUR]).split(b"\n")[0] + b"\n")
    write_reference(tmp_path / "reference")
    path = tmp_path / "leeg.csv"
    path.write_bytes(case.data)
    with write_session(tmp_path / "w.duckdb") as con:
        load_reference(con, tmp_path / "reference")
        (record,) = ingest_files(
            con,
            [IncomingFile(path, "zaanoever", "huurachterstand", RECEIVED)],
            tmp_path / "a",
            pseudonym_key(),
        )
        stale = {
            w.supplier_code for w in stale_suppliers(con, suppliers(), RECEIVED.date() + timedelta(days=1))
        }
    assert (record.status, record.rows_read) == ("geaccepteerd", 0)
    assert "zaanoever" not in stale and "ggd_zw" in stale
