"""The coordinator's worklist in a real browser (Playwright + Debian chromium): what changed since
the previous list, search, sort, bulk assignment and "mijn huishoudens", and a lane override that
moves the household at once in the list, its filters, the household page and the Excel download.

The workspace is a copy of the portal's (last week's list and tonight's) in which last week's list
is edited before tonight's list is made again by the real nightly run: one household was not on it
(so it is new tonight) and one was in the acute lane (so it changed lanes).
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from tests.portal.browser import SCREENSHOTS, chromium, log_in
from tests.portal.conftest import (
    OWN_TEAM,
    PREVIOUS_AS_OF,
    live_portal,
    own_team_list,
    pristine_copy,
    run_nightly,
)

LIST = f"/teams/{OWN_TEAM}/lijst"


@pytest.fixture(scope="module")
def worklist(portal_workspace, tmp_path_factory):
    root = pristine_copy(portal_workspace, tmp_path_factory, "worklist-ws")
    wh = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        tonight = own_team_list(wh)
        new, relaned = tonight[2], tonight[3]
        wh.execute(
            "delete from fct_list_entry where as_of_date = ? and household_id = ?", [PREVIOUS_AS_OF, new]
        )
        wh.execute(
            "update fct_list_entry set lane = 'acuut' where as_of_date = ? and household_id = ?",
            [PREVIOUS_AS_OF, relaned],
        )
    finally:
        wh.close()
    run_nightly(root)  # tonight's list again, compared with the edited one
    with live_portal(root) as port:
        yield {
            "url": f"http://127.0.0.1:{port}",
            "root": root,
            "order": tonight,
            "new": new,
            "relaned": relaned,
        }


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def _rows(page) -> list[str]:
    return page.locator("tr[data-huishouden]").evaluate_all("rows => rows.map(r => r.dataset.huishouden)")


def _row(page, household: str):
    return page.locator(f"tr[data-huishouden='{household}']")


def test_the_list_says_what_is_new_and_what_changed_since_the_previous_list(worklist, browser):
    url = worklist["url"]
    page = log_in(browser, url, "coord-own")
    page.goto(f"{url}{LIST}")
    since = page.locator("#sinds").inner_text()
    assert "sinds de lijst van 24-10-2026" in since
    assert "1 huishouden nieuw" in since and "1 veranderd" in since
    assert _row(page, worklist["new"]).locator("td.wijziging").inner_text().strip() == "nieuw"
    changed = _row(page, worklist["relaned"]).inner_text()
    assert "veranderd" in changed and "Nu in Vroeg erop af (was Acuut)" in changed

    page.goto(f"{url}/teams/{OWN_TEAM}/huishoudens/{worklist['relaned']}")
    header = page.locator("#kop").inner_text()
    assert "veranderd sinds de lijst van 24-10-2026" in header and "Nu in Vroeg erop af (was Acuut)" in header
    page.go_back()
    page.select_option("#f-wijziging", "beide")
    page.click("form.zoeken button[type=submit]")
    page.wait_for_load_state()
    assert sorted(_rows(page)) == sorted([worklist["new"], worklist["relaned"]])
    page.screenshot(path=SCREENSHOTS / "worklist-veranderd.png", full_page=True)

    with page.expect_download() as download:
        page.click("text=Downloaden als Excel")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["Lijst"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("Huishouden")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[worklist["new"]][header.index("Nieuw")] == "ja"
    assert rows[worklist["relaned"]][header.index("Veranderd")] == "ja"
    assert rows[worklist["relaned"]][header.index("Wat is veranderd")] == "Nu in Vroeg erop af (was Acuut)"
    compared = rows[worklist["new"]][header.index("Vergeleken met de lijst van")]
    assert compared.date() == PREVIOUS_AS_OF, "a real date cell"


def test_search_by_postcode_and_sort_by_address(worklist, browser):
    url = worklist["url"]
    page = log_in(browser, url, "coord-own")
    page.goto(f"{url}{LIST}")
    everyone = _rows(page)
    assert everyone == worklist["order"], "the list's own order"
    target = worklist["order"][5]
    postcode = " ".join(_row(page, target).locator("td.adres span.klein").first.inner_text().split()[:-1])
    # typed as people type it: lower case, without the space
    page.fill("#f-zoek", postcode.replace(" ", "").lower())
    page.press("#f-zoek", "Enter")
    page.wait_for_load_state()
    found = _rows(page)
    assert target in found and len(found) < len(everyone)
    for household in found:
        assert postcode in _row(page, household).inner_text()

    page.goto(f"{url}{LIST}?sorteer=adres")
    streets = page.locator("tr[data-huishouden] td.adres a").all_inner_texts()
    assert len(streets) == len(everyone) and streets == sorted(streets)
    assert "gesorteerd op adres" in page.locator("#resultaat").inner_text()


def test_bulk_assignment_then_my_households(worklist, browser):
    url = worklist["url"]
    page = log_in(browser, url, "coord-own")
    page.goto(f"{url}{LIST}")
    chosen = worklist["order"][7:9]
    for household in chosen:
        _row(page, household).locator("input[type=checkbox]").check()
    page.fill("#bulk-medewerker", "coord-own")
    page.click("#bulk-toewijzen button[type=submit]")
    page.wait_for_load_state()
    assert "2 huishoudens toegewezen" in page.locator(".bevestiging").inner_text()
    page.reload()  # after post/redirect/get a reload asks nothing again and assigns nothing again
    page.check("#f-mijn")
    page.click("form.zoeken button[type=submit]")
    page.wait_for_load_state()
    assert sorted(_rows(page)) == sorted(chosen)
    for household in chosen:
        assert "coord-own" in _row(page, household).inner_text()
    con = sqlite3.connect(worklist["root"] / "portal.sqlite")  # each assigned once, the reload added none
    try:
        counted = con.execute("select household_id, count(*) from assignment group by 1").fetchall()
    finally:
        con.close()
    assert dict(counted) == dict.fromkeys(chosen, 1)


def test_an_override_moves_the_household_everywhere_at_once(worklist, browser):
    url = worklist["url"]
    page = log_in(browser, url, "coord-own")
    household = worklist["order"][4]
    page.goto(f"{url}/teams/{OWN_TEAM}/huishoudens/{household}")
    form = page.locator("#form-baan")
    form.locator("select[name=baan]").select_option("acuut")
    form.locator("input[name=reden]").fill("Bewoner belde zelf: deurwaarder komt volgende week")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "baan Acuut" in page.locator("#kop").inner_text()

    page.goto(f"{url}{LIST}")
    acute = page.locator("#baan-acuut tr[data-huishouden]")
    assert acute.evaluate_all("rows => rows.map(r => r.dataset.huishouden)") == [household]
    assert "verplaatst naar Acuut" in _row(page, household).inner_text()
    page.screenshot(path=SCREENSHOTS / "worklist-verplaatst.png", full_page=True)
    page.goto(f"{url}{LIST}?baan=acuut")
    assert _rows(page) == [household]
    page.goto(f"{url}{LIST}?baan=vroeg_erop_af")
    assert household not in _rows(page)

    with page.expect_download() as download:
        page.click("text=Downloaden als Excel")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["Lijst"]
    header = [c.value for c in sheet[1]]
    first = [c.value for c in sheet[2]]
    assert first[header.index("Huishouden")] == household, "first in the list: the acute lane comes first"
    assert first[header.index("Baan")] == "Acuut" and first[header.index("Rang")] == 1
    assert first[header.index("Baan aangepast door team")] == "Acuut"
    assert first[header.index("Punten")] is None, "the acute lane is ordered by date, not by points"
