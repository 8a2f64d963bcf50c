"""The portal in a real browser: Playwright driving Debian's chromium against a live server.

A coordinator opens a household from the list and registers a contact attempt and a result, which
are there after a reload; a supplier uploads a bad file and sees the row errors; an evaluator opens
the figures. Screenshots of every page go to artefacts/screenshots/. Every personal-data page the
browser saw is in the audit log.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from tests.portal.browser import SCREENSHOTS, chromium, log_in, served_copy
from tests.portal.conftest import OWN_SUPPLIER, OWN_TEAM
from tests.portal.test_uploads import _bad_file


@pytest.fixture(scope="module")
def site(portal_workspace, tmp_path_factory):
    yield from served_copy(portal_workspace, tmp_path_factory, "browser-ws")


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def _audit(root: Path, username: str) -> list[tuple[str, str | None]]:
    con = sqlite3.connect(root / "portal.sqlite")
    try:
        return con.execute(
            "select action, household_id from audit_log where username = ? order by audit_id", [username]
        ).fetchall()
    finally:
        con.close()


def test_a_coordinator_registers_a_contact_attempt_and_a_result_that_survive_a_reload(site, browser):
    url, root = site
    page = log_in(browser, url, "coord-own")
    page.goto(f"{url}/teams/{OWN_TEAM}/lijst")
    assert page.locator("table").count() > 0
    page.screenshot(path=SCREENSHOTS / "coordinator-lijst.png", full_page=True)

    page.locator(f"a[href^='/teams/{OWN_TEAM}/huishoudens/']").first.click()
    page.wait_for_load_state()
    household = page.url.rsplit("/", 1)[-1]
    page.screenshot(path=SCREENSHOTS / "coordinator-huishouden.png", full_page=True)

    today = date.today().isoformat()
    attempt = page.locator("#form-contactpoging")
    # a date that cannot be right: refused next to the field, what was typed kept, the page at the form
    attempt.locator("input[name=datum]").fill("1900-01-01")
    attempt.locator("select[name=soort]").select_option(index=1)  # index 0 is "— kies —"
    attempt.locator("select[name=bereikt]").select_option("ja")
    attempt.locator("textarea[name=notitie]").fill("Buurvrouw heeft sleutel")
    attempt.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("#form-contactpoging")
    attempt = page.locator("#form-contactpoging")
    assert attempt.locator("input[name=datum]").get_attribute("aria-invalid") == "true"
    assert "ligt vóór het eerste signaal" in attempt.locator("#fout-contactpoging-datum").inner_text()
    assert attempt.locator("select[name=bereikt]").input_value() == "ja"
    assert attempt.locator("textarea[name=notitie]").input_value() == "Buurvrouw heeft sleutel"
    page.screenshot(path=SCREENSHOTS / "coordinator-fout-bij-veld.png", full_page=True)
    attempt.locator("input[name=datum]").fill(today)
    attempt.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("?opgeslagen=contactpoging#registreren")
    assert page.locator("[role=status]").inner_text() == "De contactpoging is vastgelegd."
    result = page.locator("#form-resultaat")
    result.locator("input[name=datum]").fill(today)
    chosen = result.locator("select[name=eindresultaat] option").nth(1).inner_text()
    result.locator("select[name=eindresultaat]").select_option(index=1)
    result.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[role=status]").inner_text() == "Het eindresultaat is vastgelegd."

    page.reload()
    history = page.content()
    assert chosen in history
    assert date.today().strftime("%d-%m-%Y") in history or today in history
    page.screenshot(path=SCREENSHOTS / "coordinator-na-registratie.png", full_page=True)

    con = sqlite3.connect(root / "portal.sqlite")
    try:
        attempts = con.execute("select count(*) from contact_attempt where household_id = ?", [household])
        results = con.execute("select eindresultaat from case_result where household_id = ?", [household])
        assert attempts.fetchall()[0][0] >= 1
        assert chosen in [r for (r,) in results.fetchall()]
    finally:
        con.close()
    page.close()


def test_a_coordinator_withdraws_a_mistaken_registration_with_a_reason(site, browser):
    """Runs after the registration test: its contact attempt is withdrawn, and stays visible as such."""
    url, _ = site
    page = log_in(browser, url, "coord-own")
    page.goto(f"{url}/teams/{OWN_TEAM}/lijst")
    page.locator(f"a[href^='/teams/{OWN_TEAM}/huishoudens/']").first.click()
    page.wait_for_load_state()
    folded = page.locator("details.intrekken:has(input[name=soort][value=contactpoging])").first
    folded.locator("summary").click()  # each withdrawal is folded away until asked for
    withdraw = folded.locator("form.intrekken")
    withdraw.locator("input[name=reden]").fill("Per vergissing bij dit adres vastgelegd")
    withdraw.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "door coord-own: Per vergissing bij dit adres vastgelegd" in page.content()
    page.screenshot(path=SCREENSHOTS / "coordinator-ingetrokken.png", full_page=True)
    page.close()


def test_the_administrator_makes_an_account_and_sees_its_password_once(site, browser):
    url, _ = site
    page = log_in(browser, url, "admin")
    assert page.url.endswith("/beheer/accounts")
    form = page.locator("form[action='/beheer/accounts/nieuw']")
    form.locator("input[name=gebruikersnaam]").fill("browser-coen")
    form.locator("select[name=rol]").select_option("coordinator")
    form.locator("select[name=team]").select_option(OWN_TEAM)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Account browser-coen (coördinator) aangemaakt." in page.content()
    assert len(page.locator("#eenmalig-wachtwoord").inner_text()) >= 12
    page.screenshot(path=SCREENSHOTS / "beheerder-accounts.png", full_page=True)
    page.goto(f"{url}/beheer/accounts")
    assert page.locator("#eenmalig-wachtwoord").count() == 0
    page.close()


def test_a_supplier_uploads_a_bad_file_and_sees_the_row_errors(site, browser, portal_workspace, tmp_path):
    url, _ = site
    page = log_in(browser, url, "supplier-own")
    page.goto(f"{url}/leveranciers/{OWN_SUPPLIER}/leveringen")
    bad = tmp_path / "achterstanden-oktober.csv"
    bad.write_bytes(_bad_file(portal_workspace))
    form = page.locator("form[action$='/leveringen/huurachterstand']")
    form.locator("input[type=file]").set_input_files(str(bad))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    text = page.content()
    assert "Het BSN voldoet niet aan de elfproef." in text
    assert "afgewezen 3" in text
    page.screenshot(path=SCREENSHOTS / "leverancier-rapport.png", full_page=True)
    page.close()


def test_an_evaluator_opens_the_figures_without_personal_data(site, browser, portal_workspace):
    url, _ = site
    page = log_in(browser, url, "evaluator")
    page.goto(f"{url}/evaluatie")
    assert page.locator("h1").count() > 0
    text = page.content()
    assert "hh-" not in text and portal_workspace.household not in text
    page.screenshot(path=SCREENSHOTS / "evaluator-cijfers.png", full_page=True)
    page.close()


def test_every_personal_data_page_the_browser_saw_is_in_the_audit_log(site, browser):
    """Runs after the coordinator test: its list and household views are logged, with the household."""
    _, root = site
    entries = _audit(root, "coord-own")
    actions = [a for a, _ in entries]
    assert "lijst_bekeken" in actions, actions
    viewed = {h for a, h in entries if a == "huishouden_bekeken"}
    changed = {h for a, h in entries if a in ("contactpoging_geregistreerd", "resultaat_geregistreerd")}
    assert viewed and changed <= viewed, entries
    assert actions.count("huishouden_bekeken") >= 4  # opened, after each registration, after the reload


def test_a_coordinator_moves_a_household_to_the_acute_lane_and_finds_it_there(site, browser):
    url, root = site
    page = log_in(browser, url, "coord-own")
    page.goto(f"{url}/teams/{OWN_TEAM}/lijst")
    page.locator(f"#baan-vroeg_erop_af a[href^='/teams/{OWN_TEAM}/huishoudens/']").first.click()
    page.wait_for_load_state()
    household = page.url.rsplit("/", 1)[-1]
    form = page.locator("#form-baan")
    form.locator("select[name=baan]").select_option("acuut")
    form.locator("input[name=reden]").fill("Buurtwerker ziet dat de woning leeg wordt gehaald")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "verplaatst door het team" in page.content()
    page.goto(f"{url}/teams/{OWN_TEAM}/lijst?baan=acuut")
    acute = page.locator("#baan-acuut")
    assert acute.locator(f"a[href$='/{household}']").count() == 1
    assert "verplaatst naar Acuut: Buurtwerker ziet" in acute.inner_text()
    assert page.locator("#baan-vroeg_erop_af").count() == 0
    page.screenshot(path=SCREENSHOTS / "coordinator-baan-verplaatst.png", full_page=True)
    con = sqlite3.connect(root / "portal.sqlite")
    try:
        lanes = con.execute("select lane from lane_override where household_id = ?", [household]).fetchall()
    finally:
        con.close()
    assert lanes == [("acuut",)]
    page.close()
