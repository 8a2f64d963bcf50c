from datetime import date

import polars as pl
import pytest

from signals.contracts import load_contract
from signals.validate import RECEIVED_DATE, ROW_ID, cast_rows, elfproef, validate_rows


def _raw(feed: str, rows: list[dict], received: date = date(2026, 10, 5)) -> pl.DataFrame:
    contract = load_contract(feed)
    return (
        pl.DataFrame(
            [{c: r.get(c) for c in contract.column_names} for r in rows],
            schema=dict.fromkeys(contract.column_names, pl.String),
        )
        .with_row_index(ROW_ID)
        .with_columns(pl.lit(received).alias(RECEIVED_DATE))
    )


BASE = {
    "bron_referentie": "r1",
    "postcode": "1501FI",
    "huisnummer": "12",
    "contractnummer": "C1",
    "maandhuur_eur": "650",
    "achterstand_eur": "1300",
    "achterstand_sinds": "2026-09-01",
    "signaaldatum": "2026-10-01",
}


@pytest.mark.parametrize(
    ("bsn", "ok"),
    [("111222333", True), ("123456789", False), ("987654321", False), ("000000000", False)],
)
def test_elfproef(bsn, ok):
    result = pl.select(elfproef(pl.lit(bsn))).item()
    assert result is ok


def test_casting_dutch_formats():
    raw = _raw(
        "huurachterstand",
        [
            {
                **BASE,
                "achterstand_eur": "1.234,50",
                "achterstand_sinds": "03-09-2026",
                "betalingsregeling": "Ja",
                "bsn": "11222333",
            }
        ],
    )
    typed, findings = cast_rows(raw.drop(RECEIVED_DATE), load_contract("huurachterstand"))
    row = typed.row(0, named=True)
    assert row["achterstand_eur"] == pytest.approx(1234.5)
    assert row["achterstand_sinds"] == date(2026, 9, 3)
    assert row["betalingsregeling"] is True
    assert row["bsn"] == "011222333"
    assert findings.height == 1 and findings["check_name"][0] == "bsn_elfproef"


def test_row_rules_give_dutch_reasons_with_the_delivered_value():
    raw = _raw(
        "huurachterstand",
        [
            BASE,
            {**BASE, "bron_referentie": "r2", "achterstand_sinds": "2026-10-02"},
            {
                **BASE,
                "bron_referentie": "r3",
                "signaaldatum": "2026-10-06",
                "achterstand_sinds": "2026-10-01",
            },
            {**BASE, "bron_referentie": "r4", "maandhuur_eur": "5.000,00"},
            {**BASE, "bron_referentie": "r5", "postcode": "0150FI"},
            {**BASE, "bron_referentie": "r6", "contractnummer": None},
        ],
    )
    _, findings = validate_rows(raw, load_contract("huurachterstand"))
    got = {
        (r[ROW_ID], r["column_name"]): (r["value"], r["reason_nl"]) for r in findings.iter_rows(named=True)
    }
    assert 0 not in {k[0] for k in got}
    assert got[(1, "achterstand_sinds")][1] == "Datum ligt na signaaldatum."
    assert "toekomst" in got[(2, "signaaldatum")][1]
    assert got[(3, "maandhuur_eur")] == (
        "5.000,00",
        "Waarde buiten het toegestane bereik (meer dan 0 en minder dan 5000).",
    )
    assert got[(4, "postcode")][0] == "0150FI"
    assert got[(5, "contractnummer")][1] == "Verplicht veld ontbreekt."


def test_conditionally_required_planned_date_and_enumerations():
    base = {
        "bron_referentie": "e1",
        "postcode": "1501FI",
        "huisnummer": "3",
        "contractnummer": "C9",
        "reden": "huurachterstand",
        "fase": "ontruiming_gepland",
        "fase_datum": "2026-10-01",
    }
    raw = _raw(
        "ontruiming",
        [
            {**base, "geplande_datum": "2026-11-01"},
            base,
            {**base, "bron_referentie": "e3", "fase": "Vonnis"},
            {**base, "bron_referentie": "e4", "reden": "schulden", "fase": "vonnis"},
            {**base, "bron_referentie": "e5", "geplande_datum": "2026-09-01"},
        ],
    )
    _, findings = validate_rows(raw, load_contract("ontruiming"))
    got = {(r[ROW_ID], r["column_name"]): r["reason_nl"] for r in findings.iter_rows(named=True)}
    assert set(got) == {(1, "geplande_datum"), (3, "reden"), (4, "geplande_datum")}
    assert "ontruiming_gepland" in got[(1, "geplande_datum")]
    assert "huurachterstand, overlast" in got[(3, "reden")]
    assert got[(4, "geplande_datum")] == "Datum ligt voor fase_datum."


def test_person_values_are_masked_in_findings():
    raw = _raw("huurachterstand", [{**BASE, "bsn": "123456789"}])
    _, findings = validate_rows(raw, load_contract("huurachterstand"))
    assert findings["value"].to_list() == ["(verborgen)"]
