"""No planted personal value leaves the contact table, through any rejection path.

Planted BSNs, names and phone numbers are delivered in person fields and in the places a hostile
or broken file puts them: a header row that is data, a JSON key, a DDAS document that fails the
schema, a wrong feed, a damaged workbook, a line with too many fields. Every delivery goes through
intake with its reports and data docs written and every log record captured; then every table
except `pii_contact`, every report file, every log line, every rejection reason and warning is
searched for the planted values.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from signals.addresses import load_reference
from signals.intake import IncomingFile, ingest_files
from signals.pseudonymise import pseudonym_key
from signals.report import delivery_report, report_text
from tests.signals.corpus import GGD, HUUR, OVERLAST, csv
from tests.signals.corpus_mess import PLANTED_BSN, PLANTED_NAME, PLANTED_PHONE, planted_ddas, zip_bomb
from tests.signals.test_corpus import write_reference
from warehouse.store import write_session

# A second BSN that fails the elfproef, and a name in lower case (as a careless export writes it).
BAD_BSN = "123456789"
LOWER_NAME = "plantinga-vermeulen"
PLANTED = (PLANTED_BSN, PLANTED_NAME, PLANTED_PHONE, BAD_BSN, LOWER_NAME, "1985-06-15")
PERSON = {
    "bsn": PLANTED_BSN,
    "voorletters": "P.",
    "achternaam": PLANTED_NAME,
    "telefoon": PLANTED_PHONE,
    "geboortedatum": "1985-06-15",
}


def _xlsx(sheets: list[list[list[str]]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for i, rows in enumerate(sheets):
        sheet = workbook.active if i == 0 else workbook.create_sheet(f"Blad{i + 1}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _deliveries() -> list[tuple[str, str, str, bytes]]:
    """(supplier, feed, file name, bytes): every rejection path, each carrying planted values."""
    huur = {**HUUR, **PERSON}
    rows = [huur, {**huur, "bron_referentie": "H2"}]
    header_is_data = csv(rows).split(b"\n", 1)[1]
    wide = csv(rows).decode()
    ddas_array = json.dumps([planted_ddas()]).encode()
    ddas_bad = planted_ddas()
    signal = ddas_bad["leveringen"][0]["vroegsignalen"][0]
    signal["bedrag"] = PLANTED_BSN  # a BSN where the amount belongs: schema error on that spot
    signal["client"][PLANTED_NAME] = PLANTED_PHONE  # a key the schema does not know
    ddas_missing = copy.deepcopy(planted_ddas())
    del ddas_missing["leveringen"][0]["vroegsignalen"][0]["client"]["Postcode"]
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("levering.csv", csv(rows))
    line = ",".join(huur.values())
    return [
        # Whole-file verdicts.
        ("zaanoever", "huurachterstand", "a.csv", header_is_data),
        ("zaanoever", "huurachterstand", "b.csv", csv(rows).replace(b"postcode,", b"bsn,", 1)),
        ("zaanoever", "huurachterstand", "c.csv", csv([{**GGD, **PERSON}])),
        ("zaanoever", "huurachterstand", "d.csv", csv([{"bron_referentie": "x", **PERSON}])),
        ("zaanoever", "huurachterstand", "e.csv", b"\xff\xfe" + wide.encode("utf-16-le")),
        ("zaanoever", "huurachterstand", "f.csv", csv(rows, sep="\t")),
        ("zaanoever", "huurachterstand", "g.xlsx", csv(rows)),
        ("zaanoever", "huurachterstand", "h.xlsx", b"PK\x03\x04" + csv(rows)),
        ("zaanoever", "huurachterstand", "i.zip", zipped.getvalue()),
        ("zaanoever", "huurachterstand", "j.xlsx", _xlsx([[], [list(huur), list(huur.values())]])),
        ("zaanoever", "huurachterstand", "k.xlsx", zip_bomb(300)),
        ("zaanoever", "huurachterstand", "l.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + csv(rows)),
        ("ggd_zw", "ggd_melding", "m.json", json.dumps({**GGD, **PERSON}).encode()),
        ("ggd_zw", "ggd_melding", "n.json", json.dumps([{**GGD, **PERSON}]).encode()[:-30]),
        ("ggd_zw", "ggd_melding", "o.json", ("[" * 100_000 + PLANTED_NAME).encode()),
        ("zaanoever", "ddas", "p.json", ddas_array),
        ("zaanoever", "ddas", "q.json", json.dumps(ddas_bad).encode()),
        ("zaanoever", "ddas", "r.json", json.dumps(ddas_missing).encode()),
        ("zaanoever", "ddas", "s.csv", csv(rows) + b"\n\n\n"),
        ("dwnk", "huurachterstand", "t.csv", csv(rows) + b"\n"),
        ("onbekend", "huurachterstand", "u.csv", csv(rows) + b"\n\n"),
        # Row findings.
        (
            "zaanoever",
            "huurachterstand",
            "v.csv",
            csv(
                [
                    {**huur, "bron_referentie": "V1", "achternaam": f"\x1b[31m{PLANTED_NAME}\x1b[0m"},
                    {**huur, "bron_referentie": "V2", "achternaam": PLANTED_NAME * 20},
                    {**huur, "bron_referentie": "V3", "bsn": BAD_BSN},
                    {**huur, "bron_referentie": "V4", "geboortedatum": PLANTED_NAME},
                    {**huur, "bron_referentie": "V5", "telefoon": f"{PLANTED_PHONE}\x00"},
                    {**huur, "bron_referentie": "V6", "huisnummer": "99"},
                    {**huur, "bron_referentie": "V6"},
                    {**huur, "bron_referentie": "V7", "maandhuur_eur": "NaN", "achternaam": LOWER_NAME},
                ]
            )
            + f"{line},{PLANTED_BSN},{PLANTED_NAME}\n".encode()
            + f"{PLANTED_BSN},{PLANTED_NAME}\n".encode()
            + f'V9,"{PLANTED_NAME}\n'.encode(),
        ),
        (
            "ggd_zw",
            "ggd_melding",
            "w.json",
            json.dumps(
                [
                    PLANTED_BSN,
                    {**GGD, **PERSON, "bron_referentie": "W1", "achternaam": [PLANTED_NAME]},
                    {**GGD, **PERSON, "bron_referentie": "W2", PLANTED_NAME: PLANTED_BSN, LOWER_NAME: 1},
                ]
            ).encode(),
        ),
        (
            "zaanoever",
            "overlast",
            "x.xlsx",
            _xlsx([[[*{**OVERLAST, **PERSON}, PLANTED_NAME], [*{**OVERLAST, **PERSON}.values(), "x"]]]),
        ),
    ]


def _everything_written(con, folder: Path) -> dict[str, str]:
    texts = {}
    for (table,) in con.execute(
        "select table_name from information_schema.tables"
        " where table_schema = 'main' and table_type = 'BASE TABLE'"
    ).fetchall():
        if table != "pii_contact":
            texts[f"tabel {table}"] = repr(con.execute(f'select * from "{table}"').fetchall())  # noqa: S608
    for path in folder.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


def test_no_planted_value_leaves_the_contact_table(tmp_path, caplog):
    write_reference(tmp_path / "reference")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    incoming = []
    for supplier, feed, name, data in _deliveries():
        path = inbox / name
        path.write_bytes(data)
        incoming.append(IncomingFile(path, supplier, feed, datetime(2026, 10, 8, 7, tzinfo=UTC)))
    reports = tmp_path / "rapporten"
    caplog.set_level(logging.DEBUG)
    with write_session(tmp_path / "w.duckdb") as con:
        load_reference(con, tmp_path / "reference")
        records = ingest_files(con, incoming, tmp_path / "archief", pseudonym_key(), reports_dir=reports)
        printed = [report_text(delivery_report(con, r.delivery_id)) for r in records]
        written = _everything_written(con, reports)
        contact = repr(con.execute("select * from pii_contact").fetchall())
    assert len(records) == len(incoming)
    rejected = [r for r in records if r.status == "afgewezen"]
    assert len(rejected) >= 20, [r.rejection_reason for r in records]
    said = {
        "redenen": repr([(r.rejection_reason, r.warnings) for r in records]),
        "cli": "\n".join(printed),
        "log": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
        **written,
    }
    leaks = [(where, value) for where, text in said.items() for value in PLANTED if value in text]
    assert not leaks, leaks
    # The values did arrive, and stayed where they belong.
    assert PLANTED_NAME in contact and PLANTED_PHONE in contact


def test_a_parse_exception_never_carries_delivered_text():
    """The readers' own exceptions are chained, but the message that is shown is ours alone."""
    from signals.contracts import load_contract
    from signals.delivery import DeliveryRejected
    from signals.parse import parse_delivery

    for _supplier, feed, name, data in _deliveries():
        try:
            parse_delivery(data, name, load_contract(feed))
        except DeliveryRejected as rejected:
            text = str(rejected) + repr(rejected.args)
            assert not [v for v in PLANTED if v in text], (name, text)


def test_person_fields_in_findings_are_masked():
    from signals.contracts import load_contract
    from signals.parse import parse_delivery

    data = csv([{**HUUR, **PERSON, "achternaam": f"\x00{PLANTED_NAME}"}])
    findings = parse_delivery(data, "x.csv", load_contract("huurachterstand")).findings
    assert findings.filter(pl.col("column_name") == "achternaam").get_column("value").to_list() == [
        "(verborgen)"
    ]
