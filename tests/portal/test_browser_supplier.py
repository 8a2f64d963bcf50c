"""A supplier's feedback in a real browser (Playwright, Debian's chromium, a live portal).

A partly bad file is shown as "gedeeltelijk geaccepteerd" in amber, with the words, not the colour
alone; reloading the report page sends nothing again (post/redirect/get), so the inbox holds the file
once; the upload is in the history at once and its report opens from there.
"""

from __future__ import annotations

import pytest

from tests.portal.browser import SCREENSHOTS, chromium, log_in, served_copy
from tests.portal.conftest import OWN_SUPPLIER
from tests.portal.test_uploads import _bad_file

AMBER = "rgb(255, 240, 194)"  # .status-gedeeltelijk in portal/static/portal.css


@pytest.fixture(scope="module")
def site(portal_workspace, tmp_path_factory):
    yield from served_copy(portal_workspace, tmp_path_factory, "browser-supplier-ws")


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def _uploads(root) -> list:
    folder = root / "inbox" / OWN_SUPPLIER / "huurachterstand"
    return [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]


def test_a_partly_bad_upload_is_amber_and_a_reload_sends_nothing(site, browser, portal_workspace, tmp_path):
    url, root = site
    before = len(_uploads(root))
    page = log_in(browser, url, "supplier-own")
    page.goto(f"{url}/leveranciers/{OWN_SUPPLIER}/leveringen")
    bad = tmp_path / "achterstanden-november.csv"
    bad.write_bytes(_bad_file(portal_workspace))
    form = page.locator("form[action$='/leveringen/huurachterstand']")
    form.locator("input[type=file]").set_input_files(str(bad))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "?levering=" in page.url  # redirected to the report page (post/redirect/get)
    status = page.locator("p.uitkomst")
    assert "gedeeltelijk geaccepteerd" in status.inner_text()
    assert status.evaluate("e => getComputedStyle(e).backgroundColor") == AMBER
    waiting = page.locator("tr.wacht", has_text="achterstanden-november.csv")
    assert "wacht op verwerking" in waiting.inner_text()
    page.screenshot(path=SCREENSHOTS / "leverancier-gedeeltelijk-geaccepteerd.png", full_page=True)

    page.reload()
    page.wait_for_load_state()
    assert "gedeeltelijk geaccepteerd" in page.locator("p.uitkomst").inner_text()
    assert len(_uploads(root)) == before + 1, "the reload sent the file again"

    # the report opens from the history
    with page.expect_navigation():
        waiting.locator("a", has_text="rapport").click()
    assert "Leveringsrapport" in page.content() and "gedeeltelijk geaccepteerd" in page.content()
    page.close()
