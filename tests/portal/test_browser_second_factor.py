"""The second factor in the browser: set up from the page (secret read from the page), a wrong code
refused, a recovery code accepted once and not twice."""

from __future__ import annotations

import pyotp
import pytest

from portal import state
from portal.security import hash_password
from tests.portal.browser import chromium, served_copy
from tests.portal.conftest import PASSWORD


@pytest.fixture(scope="module")
def site(portal_workspace, tmp_path_factory):
    yield from served_copy(portal_workspace, tmp_path_factory, "second-factor-ws")


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def _password(page, url: str, username: str) -> None:
    page.goto(f"{url}/inloggen")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _code(page, code: str) -> None:
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_setting_up_the_second_factor_then_codes_and_recovery_codes(site, browser):
    url, root = site
    con = state.open_state(root / "portal.sqlite")
    state.add_account(con, "nieuwe-eva", "evaluator", hash_password(PASSWORD))
    con.close()
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    try:
        _password(page, url, "nieuwe-eva")
        assert page.url.endswith("/inloggen/instellen")
        secret = page.inner_text("#totp-sleutel").strip()
        assert page.locator("img[src^='data:image/svg+xml']").count() == 1, "the QR code, inline"
        totp = pyotp.TOTP(secret)
        _code(page, "000000" if totp.now() != "000000" else "111111")
        assert "klopt niet" in page.inner_text("main")
        _code(page, totp.now())
        codes = [c.strip() for c in page.locator("#herstelcodes li").all_inner_texts()]
        assert len(codes) == 10 and len(set(codes)) == 10
        page.click("text=Verder naar de portal")
        page.wait_for_load_state()
        assert page.url.endswith("/evaluatie")
        page.click("button:has-text('Uitloggen')")
        page.wait_for_load_state()

        _password(page, url, "nieuwe-eva")
        assert page.url.endswith("/inloggen/code"), "set up once: now the code is asked for"
        _code(page, "999999" if totp.now() != "999999" else "888888")
        assert "klopt niet" in page.inner_text("main") and page.url.endswith("/inloggen/code")
        _code(page, codes[0])
        assert page.url.endswith("/evaluatie"), "a recovery code instead of the app's code"
        page.click("button:has-text('Uitloggen')")
        page.wait_for_load_state()

        _password(page, url, "nieuwe-eva")
        _code(page, codes[0])
        assert page.url.endswith("/inloggen/code"), "a recovery code works once"
        assert "klopt niet" in page.inner_text("main")
    finally:
        context.close()
    con = state.open_state(root / "portal.sqlite")
    actions = [e["action"] for e in state.audit_entries(con, username="nieuwe-eva")]
    stored = con.execute("select code_hash from recovery_code").fetchall()
    con.close()
    assert {"tweede_factor_ingesteld", "herstelcode_gebruikt"} <= set(actions)
    assert all(codes[0].replace("-", "") not in h[0] for h in stored)
