"""Inzage (AVG art. 15): the administrator finds who viewed or changed one household's data, by
household or by address, as a page, a CSV and a PDF; the inzage is itself audited."""

from __future__ import annotations

import csv
import io

import duckdb

from portal import state
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import OWN_TEAM, csrf_of


def _address_of(ws) -> tuple[str, int, str | None]:
    wh = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        return wh.execute(
            "select a.postcode, a.house_number, a.house_number_suffix from fct_list_entry as e "
            "inner join ref_address as a using (address_key) where e.household_id = ? and e.as_of_date = ?",
            [ws.household, TINY_AS_OF],
        ).fetchall()[0]
    finally:
        wh.close()


def _seen_and_changed(ws, as_user) -> None:
    coord = as_user("coord-own")
    assert coord.get(f"/teams/{OWN_TEAM}/lijst").status_code == 200
    token = csrf_of(coord, f"/teams/{OWN_TEAM}/huishoudens/{ws.household}")
    assigned = coord.post(
        f"/teams/{OWN_TEAM}/huishoudens/{ws.household}/toewijzing",
        data={"medewerker": "Inzage Proef", "csrf_token": token},
    )
    assert assigned.status_code == 303
    # a line whose detail a spreadsheet would run as a formula
    con = state.open_state(ws.root / "portal.sqlite")
    state.audit(con, "huishouden_bekeken", username="x", household_id=ws.household, detail="=HYPERLINK(1)")
    con.close()


def test_only_the_administrator_may_ask(portal_workspace, as_user):
    assert (
        as_user("coord-own").get(f"/beheer/inzage?huishouden={portal_workspace.household}").status_code == 403
    )


def test_the_inzage_by_address_shows_views_list_views_and_registrations(portal_workspace, as_user):
    ws = portal_workspace
    _seen_and_changed(ws, as_user)
    postcode, number, suffix = _address_of(ws)
    admin = as_user("admin")
    query = {"postcode": postcode.lower()[:4] + " " + postcode[4:], "huisnummer": str(number)}
    if suffix:
        query["toevoeging"] = suffix
    page = admin.get("/beheer/inzage", params=query)
    assert page.status_code == 200
    text = page.text
    assert ws.household in text
    assert "huishouden bekeken" in text and "toegewezen aan een medewerker" in text
    assert "lijst met dit huishouden" in text and "lijst bekeken" in text
    assert "toewijzing" in text and "coord-own" in text
    assert "Inzage Proef" not in text, "the worker's name is not part of the inzage"
    con = state.open_state(ws.root / "portal.sqlite")
    asked = [dict(r) for r in con.execute("select * from audit_log where action = 'inzage_opgevraagd'")]
    con.close()
    assert asked and asked[-1]["household_id"] == ws.household and asked[-1]["username"] == "admin"
    assert postcode not in asked[-1]["detail"] and "gevraagd per adres" in asked[-1]["detail"]


def test_the_inzage_downloads_as_formula_safe_csv_and_as_pdf(portal_workspace, as_user):
    ws = portal_workspace
    _seen_and_changed(ws, as_user)
    admin = as_user("admin")
    params = {"huishouden": ws.household, "van": "2020-01-01"}
    answer = admin.get("/beheer/inzage", params={**params, "vorm": "csv"})
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert set(rows[0]) >= {"Tijdstip", "Gebruiker", "Handeling", "Resultaat", "Huishouden", "IP-adres"}
    # its own lines, and the list views that showed it (those name the list, not the household)
    assert {r["Huishouden"] for r in rows} == {ws.household, ""}
    assert all(r["Details"].startswith("lijst met dit huishouden") for r in rows if not r["Huishouden"])
    assert "'=HYPERLINK(1)" in [r["Details"] for r in rows]
    assert "registratie: toewijzing" in {r["Handeling"] for r in rows}
    pdf = admin.get("/beheer/inzage", params={**params, "vorm": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_an_incomplete_question_is_refused_in_dutch(as_user):
    admin = as_user("admin")
    assert admin.get("/beheer/inzage").status_code == 200
    wrong = admin.get("/beheer/inzage", params={"postcode": "1501AB", "huisnummer": "twaalf"})
    assert wrong.status_code == 422 and "huisnummer" in wrong.text
    dates = admin.get("/beheer/inzage", params={"huishouden": "h", "van": "2026-12-01", "tot": "2026-01-01"})
    assert dates.status_code == 422 and "begindatum" in dates.text
    odd = admin.get("/beheer/inzage", params={"huishouden": "Jan Jansen, Dorpsstraat 1"})
    assert odd.status_code == 422 and "letters, cijfers en streepjes" in odd.text
