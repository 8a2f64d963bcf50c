import io
import json

import polars as pl
import pytest

from signals.contracts import all_contracts, load_contract
from signals.parse import DeliveryRejected, normalise_header, parse_delivery

HUUR = load_contract("huurachterstand")
HEADER = (
    "bron_referentie,postcode,huisnummer,contractnummer,maandhuur_eur,achterstand_eur,"
    "achterstand_sinds,signaaldatum"
)
ROW = "r1,1501FI,12,C1,650.00,1300.50,2026-09-01,2026-10-01"


def test_semicolon_windows_1252_with_odd_headers_and_free_text():
    text = (
        " Bron Referentie ;POSTCODE;Huisnummer;contractnummer;maandhuur_eur;achterstand_eur;"
        "achterstand_sinds;signaaldatum;opmerking\n"
        "r1;1501 fi;12;C1;650,00;1.300,50;01-09-2026;01-10-2026;Dhr. wil geen contact € \n"
    )
    parsed = parse_delivery(text.encode("cp1252"), "levering.csv", HUUR)
    row = parsed.frame.row(0, named=True)
    assert row["line_no"] == 2
    assert row["bron_referentie"] == "r1"
    assert row["maandhuur_eur"] == "650,00"
    assert "opmerking" not in parsed.frame.columns
    assert any("opmerking" in w for w in parsed.warnings_nl)


def test_utf8_bom_is_stripped_from_the_first_header():
    parsed = parse_delivery(("\ufeff" + HEADER + "\n" + ROW + "\n").encode("utf-8"), "x.csv", HUUR)
    assert parsed.frame["bron_referentie"].to_list() == ["r1"]


def test_supplier_alias_map_renames_erp_headers():
    text = HEADER.replace("contractnummer", "Huurcontract Nr") + "\n" + ROW + "\n"
    parsed = parse_delivery(
        text.encode(), "x.csv", HUUR, header_aliases={"huurcontract nr": "contractnummer"}
    )
    assert parsed.frame["contractnummer"].to_list() == ["C1"]


def test_xlsx_first_sheet_is_read_as_text():
    frame = pl.DataFrame([dict(zip(HEADER.split(","), ROW.split(","), strict=True))])
    buffer = io.BytesIO()
    frame.write_excel(buffer)
    parsed = parse_delivery(buffer.getvalue(), "x.xlsx", HUUR)
    assert parsed.file_format == "xlsx"
    assert parsed.frame.row(0, named=True)["huisnummer"] in ("12", "12.0")


def test_json_array_of_objects_numbers_records_from_one():
    records = [dict(zip(HEADER.split(","), ROW.split(","), strict=True))] * 2
    parsed = parse_delivery(json.dumps(records).encode(), "x.json", HUUR)
    assert parsed.frame["line_no"].to_list() == [1, 2]


@pytest.mark.parametrize(
    ("data", "name", "phrase"),
    [
        (b"", "x.csv", "leeg"),
        (b"  \r\n", "x.csv", "leeg"),
        (b"a,b,c\n1,2,3\n", "x.csv", "geen enkele kolom"),
        (
            HEADER.replace(",signaaldatum", "").encode() + b"\n" + b"r1,1501FI,12,C1,650,1,2026-09-01\n",
            "x.csv",
            "signaaldatum",
        ),
        (b"not really a spreadsheet", "x.xlsx", "geen Excel-bestand"),
        (b"PK\x03\x04garbage", "x.xlsx", "beschadigd"),
        (HEADER.encode() + b"\n\x81\x8d\x8f\n", "x.csv", "tekencodering"),
        (b'{"a": 1}', "x.json", "lijst"),
        (b"[1, 2", "x.json", "geen geldige JSON"),
        ((HEADER + ",postcode\n" + ROW + ",1501FI\n").encode(), "x.csv", "meer dan eens"),
    ],
)
def test_whole_file_failures_are_rejected_with_one_dutch_sentence(data, name, phrase):
    with pytest.raises(DeliveryRejected) as info:
        parse_delivery(data, name, HUUR)
    assert phrase in info.value.reason_nl
    assert info.value.reason_nl.endswith((".", "?"))


def test_size_limit():
    data = (HEADER + "\n" + ROW + "\n").encode()
    with pytest.raises(DeliveryRejected, match="groter dan"):
        parse_delivery(data, "x.csv", HUUR, max_bytes=10)


def test_header_normalisation():
    assert normalise_header("  Huisnummer-Toevoeging ") == "huisnummer_toevoeging"
    assert normalise_header("BRON REFERENTIE") == "bron_referentie"


def test_every_contract_column_has_a_dutch_description():
    for contract in all_contracts():
        for column in contract.columns:
            assert len(column.description) > 5, (contract.feed, column.name)


def test_a_zip_bomb_is_refused_without_inflating_it():
    """1 GiB of sheet in a 1 MB archive: refused from its directory; Python never holds more than a
    few MB (the spreadsheet reader, which would inflate it, is never called)."""
    import tracemalloc

    from synthetic.hostile import lying_archive, zip_bomb

    for archive, phrase in (
        (zip_bomb(1024), "zip-bom"),
        (lying_archive(), "meer dan het archief zelf opgeeft"),
    ):
        tracemalloc.start()
        with pytest.raises(DeliveryRejected) as info:
            parse_delivery(archive, "x.xlsx", HUUR)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert phrase in info.value.reason_nl
        assert peak < 2 * len(archive) + 8_000_000


def test_a_header_only_file_is_a_delivery_of_nothing():
    parsed = parse_delivery((HEADER + "\n").encode(), "x.csv", HUUR)
    assert parsed.frame.height == 0 and parsed.findings.height == 0


def test_line_numbers_follow_the_editor_after_quoted_line_breaks():
    text = HEADER + ",opmerking\n" + ROW + ',"a\nb\nc"\n\n' + ROW.replace("r1", "r2") + ",x\n"
    parsed = parse_delivery(text.encode(), "x.csv", HUUR)
    assert parsed.frame["line_no"].to_list() == [2, 6]
