"""The XLSX a coordinator downloads is a table to work in: typed dates and numbers with Dutch
formats, an autofilter, a frozen header, Dutch headers, the lane, the team's status and the address
in parts; the CSV has the same columns, written as Dutch readers do."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from openpyxl import load_workbook

from lists.export import csv_text, export_lists, write_team_xlsx
from portal import state
from rules.lanes import default_lanes
from signals.registrations import ddas_vocabulary
from warehouse.migrate import migrate

AS_OF = date(2026, 10, 31)
TEAM = "zaanstad-centrum"
VERSIONS = {"rules_version": "r1", "code_version": "test", "teams_version": "t1"}
# (household, address_key, street, number, suffix, lane, acute date, risk)
HOUSEHOLDS = [
    ("hh-acuut", "1501AA-3-10", "Zonnebloemsteeg", 3, "10", "acuut", date(2026, 11, 12), 0.42),
    ("hh-vroeg", "1501AA-5", '=HYPERLINK("x")', 5, None, "vroeg_erop_af", None, 0.0037),
]


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    wh = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    migrate(wh)
    for rank, (household, key, street, number, suffix, lane, acute, risk) in enumerate(HOUSEHOLDS, 1):
        wh.execute(
            "insert into ref_address (address_key, postcode, house_number, house_number_suffix, street, "
            "woonplaats, gemeente, wijk, buurt, wijkteam) values (?, '1501AA', ?, ?, ?, 'Zaandam', "
            "'Zaanstad', 'Centrum', 'Burgemeesterswijk', ?)",
            [key, number, suffix, street, TEAM],
        )
        wh.execute(
            "insert into fct_list_entry (as_of_date, wijkteam, household_id, rank, score, "
            "is_within_capacity, is_new, has_financial_signal, address_key, first_signal_date, reasons_nl, "
            "rules_fired, suggested_action, rules_version, code_version, run_id, is_in_trajectory, "
            "model_version, risk, rule_reasons_nl, lane, lane_rank, acute_date, wgs_open) values "
            "(?, ?, ?, ?, 40, true, true, true, ?, date '2026-06-01', ['Huurachterstand'], [], "
            "'huisbezoek', 'r1', 'test', 'run1', false, 'm1', ?, [], ?, 1, ?, 2)",
            [AS_OF, TEAM, household, rank, key, risk, lane, acute],
        )
    # The previous system registered an attempt at the second household (in the warehouse).
    wh.execute(
        "insert into reg_contact_attempt values "
        "('import', '1501AA-5', ?, date '2026-09-01', ?, false, null, null)",
        [TEAM, ddas_vocabulary()["EnumContactsoort"][0]],
    )
    # The portal: the first household assigned, moved, contacted (reached) and closed.
    state_path = tmp_path / "portal.sqlite"
    con = state.open_state(state_path)
    who = {"wijkteam": TEAM, "household_id": "hh-acuut"}
    state.add_assignment(con, **who, worker="Iemand anders", by="coord")
    state.add_assignment(con, **who, worker="Fatma", by="coord")
    state.add_lane_override(con, **who, as_of=AS_OF, lane="vroeg_erop_af", reason="vrije tekst", by="coord")
    soort = ddas_vocabulary()["EnumContactsoort"][-1]
    state.add_contact_attempt(
        con, **who, address_key="1501AA-3-10", contact_date=date(2026, 11, 2), soort=soort,
        is_reached=True, dagdeel=None, registered_by="coord",
    )  # fmt: skip
    result = ddas_vocabulary()["EnumEindresultaat"][0]
    state.add_case_result(
        con, **who, address_key="1501AA-3-10", result_date=date(2026, 11, 3), eindresultaat=result,
        registered_by="coord",
    )  # fmt: skip
    con.close()
    yield wh, state_path
    wh.close()


def _rows(path: Path) -> tuple[object, list[str], list[dict]]:
    ws = load_workbook(path)["Lijst"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    return ws, header, [dict(zip(header, r, strict=True)) for r in rows[1:]]


def test_the_xlsx_is_a_typed_filterable_table_with_lane_status_and_address(workspace, tmp_path):
    wh, state_path = workspace
    path = tmp_path / "lijst.xlsx"
    assert write_team_xlsx(wh, AS_OF, TEAM, path, VERSIONS, state_path=state_path) == 2
    ws, header, rows = _rows(path)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}3"
    assert all("_" not in h and h[0].isupper() for h in header)
    assert not {"wijkteam", "lane", "risk", "household_id"} & set(header)
    first, second = rows
    # Real dates with a Dutch date format, real numbers.
    cell = ws.cell(2, header.index("Datum (acuut)") + 1)
    assert isinstance(cell.value, datetime) and cell.number_format == "d-m-yyyy"
    assert isinstance(first["Eerste signaal"], datetime)
    risk = ws.cell(3, header.index("Geschatte kans op aanzegging binnen 6 maanden") + 1)
    assert risk.value == pytest.approx(0.0037) and risk.number_format == "0.00%"
    assert isinstance(first["Punten"], int) and isinstance(first["Rang"], int)
    assert isinstance(first["Huisnummer"], int)
    # The lane by its Dutch name, where the team's override put it (lists/placement.py: the same
    # place the portal shows); the status as the portal holds it (latest assignment wins).
    assert first["Baan"] == default_lanes().label("vroeg_erop_af")
    assert first["Baan aangepast door team"] == default_lanes().label("vroeg_erop_af")
    assert (first["Rang"], first["Plaats in baan"], second["Plaats in baan"]) == (1, 1, 2)
    assert first["Medewerker"] == "Fatma"
    assert first["Laatste contactpoging"] == datetime(2026, 11, 2) and first["Bereikt"] == "ja"
    assert first["Resultaat"] == ddas_vocabulary()["EnumEindresultaat"][0]
    assert isinstance(first["Datum resultaat"], datetime) and first["Status"] == "afgesloten"
    assert "vrije tekst" not in {str(v) for r in rows for v in r.values()}  # no free text (notes)
    # The imported attempt counts for the second household; nobody assigned or moved there.
    assert second["Laatste contactpoging"] == datetime(2026, 9, 1) and second["Bereikt"] == "nee"
    assert second["Medewerker"] is None and second["Baan aangepast door team"] is None
    assert second["Status"] == "niet bereikt"
    # The address written out and in parts; formulas neutralised.
    assert first["Adres"] == "Zonnebloemsteeg 3-10"
    assert (first["Straat"], first["Huisnummer"], first["Toevoeging"]) == ("Zonnebloemsteeg", 3, "10")
    assert (first["Postcode"], first["Woonplaats"]) == ("1501AA", "Zaandam")
    assert second["Straat"] == '\'=HYPERLINK("x")'
    account = load_workbook(path)["Verantwoording"]
    assert [c.value for c in account[1]] == ["Onderdeel", "Waarde"]


def test_without_the_portal_file_the_warehouse_copy_gives_the_status(workspace, tmp_path):
    wh, _ = workspace
    path = tmp_path / "lijst.xlsx"
    write_team_xlsx(wh, AS_OF, TEAM, path, VERSIONS)
    _, _, rows = _rows(path)
    assert rows[0]["Medewerker"] is None and rows[0]["Laatste contactpoging"] is None
    # not moved: in the acute lane, ordered by date, without points
    assert rows[0]["Baan"] == default_lanes().label("acuut") and rows[0]["Punten"] is None
    assert rows[0]["Status"] == "nog geen contact"
    assert rows[1]["Laatste contactpoging"] == datetime(2026, 9, 1)


def test_the_csv_has_the_same_columns_in_dutch_notation(workspace, tmp_path):
    wh, state_path = workspace
    export_lists(wh, AS_OF, tmp_path / "lists", [TEAM], VERSIONS, state_path=state_path)
    folder = tmp_path / "lists" / AS_OF.isoformat()
    csv = pl.read_csv(folder / f"{TEAM}.csv", separator=";", infer_schema=False)
    _, header, _ = _rows(folder / f"{TEAM}.xlsx")
    assert csv.columns == header
    first = csv.row(0, named=True)
    assert first["Datum (acuut)"] == "12-11-2026" and first["Laatste contactpoging"] == "02-11-2026"
    assert csv["Geschatte kans op aanzegging binnen 6 maanden"].to_list() == ["42,00%", "0,37%"]
    assert first["Medewerker"] == "Fatma"


def test_a_risk_is_written_as_a_dutch_percentage_rounded_to_two_decimals():
    frame = pl.DataFrame(
        {
            "Geschatte kans op aanzegging binnen 6 maanden": [0.0037, 0.12345, 1.0, None],
            "d": [date(2026, 1, 5)] * 4,
        }
    )
    out = csv_text(frame)
    assert out["Geschatte kans op aanzegging binnen 6 maanden"].to_list() == [
        "0,37%",
        "12,35%",
        "100,00%",
        None,
    ]
    assert out["d"].to_list() == ["05-01-2026"] * 4
