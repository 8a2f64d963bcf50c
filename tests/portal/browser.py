"""The browser tests' shared parts: Debian's chromium driven by Playwright against a live portal."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.portal.conftest import PASSWORD, SERVED, current_code, live_portal

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artefacts" / "screenshots"


def served_copy(portal_workspace, tmp_path_factory, name: str) -> Iterator[tuple[str, Path]]:
    """The portal on a copy of the workspace, served by uvicorn on loopback in a thread."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    root = tmp_path_factory.mktemp(name) / "ws"
    shutil.copytree(portal_workspace.root, root)
    with live_portal(root) as port:
        yield f"http://127.0.0.1:{port}", root


def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


def log_in(browser_or_context, url: str, username: str):
    """A new page, logged in through both steps (password, then the account's current code)."""
    page = browser_or_context.new_page()
    page.goto(f"{url}/inloggen")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    enter_code(page, url, username)
    return page


def enter_code(page, url: str, username: str) -> None:
    """The second step of a log-in, on the code page the password step led to."""
    assert page.url.endswith("/inloggen/code"), page.url
    page.fill("input[name=code]", current_code(SERVED[url], username))
    page.click("button[type=submit]")
    page.wait_for_load_state()
