"""Every page of every role in a real browser: WCAG 2.1 AA by axe-core, 390 px, print, Dutch text.

PAGES is the one table of the portal's pages; a test fails when a GET route of the app is in neither
PAGES nor EXPORTS, so a new page is tested from the day it exists. Per page: axe-core finds no serious
or critical violation; at 390 × 844 the page does not scroll sideways and "Uitloggen" stays in view
(screenshots in artefacts/screenshots/390-<name>.png); no two controls share a name outside labelled
groups; the visible text holds no snake_case, decimal point or framework English. The list and the
household page print without navigation and forms (PDFs in artefacts/print/). A coordinator goes from
logging in to the contact form with the keyboard alone.

One served copy of the laned workspace (every kind of list row) and one chromium for the module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from tests.portal.browser import SCREENSHOTS, chromium, log_in, served_copy
from tests.portal.conftest import OTHER_TEAM, OWN_SUPPLIER, OWN_TEAM, PASSWORD, SERVED, current_code
from tests.portal.test_uploads import _bad_file

PRINTS = SCREENSHOTS.parent / "print"
NARROW = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Page:
    name: str  # the screenshot's name
    user: str | None  # logged in as (None: nobody)
    route: str  # the app's route template this page is an instance of
    path: str  # with {household}, {delivery}
    in_layout: bool = True  # in the portal's layout (header, Uitloggen); False: a report file


TEAM_LIST = f"/teams/{OWN_TEAM}/lijst"
HOUSEHOLD = f"/teams/{OWN_TEAM}/huishoudens/{{household}}"
DELIVERIES = f"/leveranciers/{OWN_SUPPLIER}/leveringen"
PAGES = (
    Page("inloggen", None, "/inloggen", "/inloggen"),
    Page("toegankelijkheid", None, "/toegankelijkheid", "/toegankelijkheid"),
    Page("toegankelijkheid-ingelogd", "coord-own", "/toegankelijkheid", "/toegankelijkheid"),
    Page("coordinator-lijst", "coord-own", "/teams/{team}/lijst", TEAM_LIST),
    Page("coordinator-lijst-gefilterd", "coord-own", "/teams/{team}/lijst", TEAM_LIST + "?wijziging=beide"),
    Page(
        "coordinator-lijst-gesorteerd",
        "coord-own",
        "/teams/{team}/lijst",
        TEAM_LIST + "?sorteer=opvolgen&status=bereikt&zoek=15",
    ),
    Page("coordinator-huishouden", "coord-own", "/teams/{team}/huishoudens/{household_id}", HOUSEHOLD),
    Page("leverancier-leveringen", "supplier-own", "/leveranciers/{supplier}/leveringen", DELIVERIES),
    Page(
        "leverancier-rapport",
        "supplier-own",
        "/leveranciers/{supplier}/leveringen",
        DELIVERIES + "?levering={delivery}",
    ),
    Page(
        "leverancier-rapport-html",
        "supplier-own",
        "/leveranciers/{supplier}/leveringen/{delivery_id}/rapport.{fmt}",
        DELIVERIES + "/{delivery}/rapport.html",
        in_layout=False,
    ),
    Page("evaluatie", "evaluator", "/evaluatie", "/evaluatie"),
    Page("beheer-accounts", "admin", "/beheer/accounts", "/beheer/accounts"),
    Page("beheer-audit", "admin", "/beheer/audit", "/beheer/audit"),
    Page("beheer-runs", "admin", "/beheer/runs", "/beheer/runs"),
    Page("beheer-regios", "admin", "/beheer/regios", "/beheer/regios"),
    Page("beheer-ddas-clients", "admin", "/beheer/ddas-clients", "/beheer/ddas-clients"),
    Page(
        "beheer-deactiveren",
        "admin",
        "/beheer/accounts/deactiveren",
        "/beheer/accounts/deactiveren?gebruikersnaam=coord-other",
    ),
    Page(
        "beheer-wachtwoord",
        "admin",
        "/beheer/accounts/wachtwoord",
        "/beheer/accounts/wachtwoord?gebruikersnaam=coord-other",
    ),
    Page(
        "beheer-tweede-factor",
        "admin",
        "/beheer/accounts/tweede-factor",
        "/beheer/accounts/tweede-factor?gebruikersnaam=coord-other",
    ),
    Page("beheer-inzage", "admin", "/beheer/inzage", "/beheer/inzage?huishouden={household}&van=2020-01-01"),
    Page("fout-404", "coord-own", "", "/bestaat-niet"),
    Page("fout-404-anoniem", None, "", "/bestaat-niet"),
    Page("fout-403", "coord-own", "/teams/{team}/lijst", f"/teams/{OTHER_TEAM}/lijst"),
    Page("fout-405", "coord-own", "", "/uitloggen"),
    Page("fout-422", "evaluator", "/evaluatie", "/evaluatie?jaar=geen-jaar"),
)
# GET routes that answer a file, not a page; test_exports_speak_dutch reads them.
EXPORTS = {"/teams/{team}/lijst.xlsx", "/leveranciers/{supplier}/leveringen/{delivery_id}/rapport.{fmt}"}
NOT_PAGES = {
    "/",  # redirects to the start page of the role
    # Only in the middle of a log-in (a half-made session), which these per-user contexts are past;
    # test_a_coordinator_reaches_the_contact_form_with_the_keyboard_alone goes through the code page.
    "/inloggen/code",
    "/inloggen/instellen",
    # The same confirmation page (confirm.html) as the three beheer-* account pages above; it needs
    # a live token.
    "/beheer/api-sleutels/intrekken",
    # The same confirmation page again, for a live DDAS API client (tests/portal/test_ddas_api.py
    # goes through it).
    "/beheer/ddas-clients/intrekken",
    # The DDAS API (a mounted sub-application, portal/ddas_api/) answers JSON, never a page.
    "/api/ddas/v1/openapi.json",
    "/api/ddas/v1/gegevens",
    "/api/ddas/v1/token",
}

# Checks a page is known to fail, with the reason: (check, page name) → reason. Empty: every
# check passes on every page for real.
KNOWN: dict[tuple[str, str], str] = {}

# Removed before the scan, each for its reason: nothing else is let through.
ALLOWED = (
    re.compile(r"WCAG 2\.1"),  # the standard's name, as the accessibility statement must give it
    re.compile(r"\b\d+(?:\.\d+){2,}\b"),  # versions (regels 2026.12.1) and IP addresses (auditlog)
    re.compile(r"1234,50 of 1234\.50"),  # the two ways a supplier may write an amount (signals/reasons.py)
)
SUPPLIER_PAGES = ("leverancier-", "rapport.csv")  # they name the columns of the supplier's own file
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
# A decimal point between digits; "1.234" (a Dutch thousands separator) is allowed.
DECIMAL_POINT = re.compile(r"\b\d+\.(?:\d{1,2}|\d{4,})\b")
ENGLISH = re.compile(r"\b(?:Not Found|detail|Internal Server Error|None|True|False|null|nan|NaN)\b")
CONTROLS = ("textbox", "combobox", "button", "checkbox", "radio", "spinbutton", "listbox")
GROUPS = ("group", "form", "region", "dialog", "navigation", "row")


def _known(check: str, page: Page):
    reason = KNOWN.get((check, page.name))
    return [pytest.mark.xfail(strict=False, reason=reason)] if reason else []


def _pages(check: str):
    return [pytest.param(p, id=p.name, marks=_known(check, p)) for p in PAGES]


@pytest.fixture(scope="module")
def site(laned_workspace, tmp_path_factory):
    yield from served_copy(laned_workspace, tmp_path_factory, "a11y-ws")


@pytest.fixture(scope="module")
def browser():
    PRINTS.mkdir(parents=True, exist_ok=True)
    yield from chromium()


@pytest.fixture(scope="module")
def contexts(site, browser):
    """One browser context per user, logged in once; None: nobody logged in."""
    url, _ = site
    made = {}

    def context(user: str | None):
        if user not in made:
            made[user] = browser.new_context(locale="nl-NL")
            if user is not None:
                log_in(made[user], url, user).close()
        return made[user]

    yield context
    for c in made.values():
        c.close()


@pytest.fixture(scope="module")
def filled(site, contexts, laned_workspace, portal_workspace, tmp_path_factory) -> dict[str, str]:
    """The values of the paths' placeholders, after a delivery and a registration that give the
    report pages and the household's withdrawal forms something to show."""
    url, _ = site
    household = laned_workspace.ranked[0]
    page = contexts("supplier-own").new_page()
    page.goto(f"{url}{DELIVERIES}")
    bad = tmp_path_factory.mktemp("a11y-upload") / "achterstanden-toegankelijk.csv"
    bad.write_bytes(_bad_file(portal_workspace))
    form = page.locator("form[action$='/leveringen/huurachterstand']")
    form.locator("input[type=file]").set_input_files(str(bad))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    delivery = page.url.split("?levering=", 1)[1]
    page.close()

    page = contexts("coord-own").new_page()
    page.goto(f"{url}{HOUSEHOLD.format(household=household)}")
    attempt = page.locator("#form-contactpoging")
    attempt.locator("input[name=datum]").fill(date.today().isoformat())
    attempt.locator("select[name=soort]").select_option(index=1)
    attempt.locator("select[name=bereikt]").select_option("nee")
    attempt.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "?opgeslagen=" in page.url
    page.close()
    return {"household": household, "delivery": delivery}


def _open(contexts, site, filled, page_spec: Page, viewport: dict | None = None):
    url, _ = site
    page = contexts(page_spec.user).new_page()
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(url + page_spec.path.format(**filled))
    page.wait_for_load_state()
    return page


def _get_routes(routes, prefix: str = "") -> set[str]:
    """The GET paths, through included routers (FastAPI keeps those as a route of their own)."""
    found = set()
    for r in routes:
        included = getattr(r, "original_router", None)
        if included is not None:
            found |= _get_routes(included.routes, prefix + r.include_context.prefix)
        elif "GET" in (getattr(r, "methods", None) or ()):
            found.add(prefix + r.path)
    return found


def test_every_get_route_of_the_app_is_in_the_table(site):
    from portal.app import create_app

    _, root = site
    routes = _get_routes(create_app(root, secure_cookie=False).routes)
    assert "/inloggen" in routes and TEAM_LIST.replace(OWN_TEAM, "{team}") in routes
    covered = {p.route for p in PAGES} | EXPORTS | NOT_PAGES
    assert routes - covered == set(), "a page without an entry in PAGES (or EXPORTS)"
    assert {p.route for p in PAGES if p.route} - routes == set(), "PAGES names a route the app lacks"


# At 390 px only the rules a narrow layout can break (the whole set runs at the default width).
NARROW_RULES = ["scrollable-region-focusable", "color-contrast", "meta-viewport", "target-size"]


def _axe_failures(page, rules: list[str] | None = None) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = Axe().run(page, options=options)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("spec", _pages("axe"))
def test_axe_finds_no_serious_or_critical_violation(spec, site, contexts, filled):
    page = _open(contexts, site, filled, spec)
    try:
        failures = _axe_failures(page)
    finally:
        page.close()
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("spec", _pages("narrow"))
def test_at_390_px_nothing_scrolls_sideways_and_uitloggen_stays_in_view(spec, site, contexts, filled):
    page = _open(contexts, site, filled, spec, NARROW)
    try:
        page.screenshot(path=SCREENSHOTS / f"390-{spec.name}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            """w => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w)
                .filter(e => e.tagName == 'TABLE' || !e.closest('table'))
                .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""",
            NARROW["width"],
        )
        assert width <= NARROW["width"], f"the page is {width} px wide: {wide}"
        if spec.user is not None and spec.in_layout:
            box = page.get_by_role("button", name="Uitloggen").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
            assert box["y"] + box["height"] <= NARROW["height"]
            name = page.locator("header .gebruiker span").bounding_box()
            assert name is not None and name["x"] + name["width"] <= NARROW["width"]
        failures = _axe_failures(page, NARROW_RULES)  # e.g. a table that scrolls only at this width
        assert failures == [], "\n".join(failures)
    finally:
        page.close()


def _shared_names(snapshot: str) -> list[str]:
    """Controls with the same role and name inside the same labelled groups (aria snapshot YAML)."""
    seen: dict[tuple, int] = {}
    path: list[tuple[int, str]] = []
    line = re.compile(r'^(\s*)- (\w+)(?: "((?:[^"\\]|\\.)*)")?')
    for text in snapshot.splitlines():
        m = line.match(text)
        if not m:
            continue
        indent, role, name = len(m.group(1)), m.group(2), m.group(3)
        path = [(i, g) for i, g in path if i < indent]
        if role in GROUPS and name:
            path.append((indent, f"{role} {name}"))
        elif role in CONTROLS:
            key = (tuple(g for _, g in path), role, name)
            seen[key] = seen.get(key, 0) + 1
    return [
        f"{role} {name!r} ×{n} in {list(groups) or 'the page'}"
        for (groups, role, name), n in seen.items()
        if n > 1
    ]


@pytest.mark.parametrize("spec", _pages("names"))
def test_no_two_controls_share_a_name_outside_labelled_groups(spec, site, contexts, filled):
    page = _open(contexts, site, filled, spec)
    try:
        shared = _shared_names(page.locator("body").aria_snapshot())
    finally:
        page.close()
    assert shared == [], "\n".join(shared)


def _contract_columns() -> set[str]:
    from signals.contracts import all_contracts

    return {c.name for contract in all_contracts() for c in contract.columns}


def _leaks(text: str, name: str) -> list[str]:
    for allowed in ALLOWED:
        text = allowed.sub(" ", text)
    columns = _contract_columns() if name.startswith(SUPPLIER_PAGES) else set()
    found = [f"snake_case {t}" for t in SNAKE.findall(text) if t not in columns]
    found += [f"decimal point {t}" for t in DECIMAL_POINT.findall(text)]
    found += [f"English {t}" for t in ENGLISH.findall(text)]
    return sorted(set(found))


@pytest.mark.parametrize("spec", _pages("dutch"))
def test_the_visible_text_has_no_codes_decimal_points_or_framework_english(spec, site, contexts, filled):
    page = _open(contexts, site, filled, spec)
    try:
        text = page.inner_text("body")
    finally:
        page.close()
    leaks = _leaks(text, spec.name)
    assert leaks == [], "; ".join(leaks)


def test_exports_speak_dutch(site, contexts, filled, tmp_path):
    """The team list as Excel and a delivery report as CSV: their texts, as the browser downloads them."""
    import openpyxl

    url, _ = site
    leaks = {}
    response = contexts("coord-own").request.get(f"{url}{TEAM_LIST}.xlsx")
    assert response.ok
    target = tmp_path / "lijst.xlsx"
    target.write_bytes(response.body())
    book = openpyxl.load_workbook(target, read_only=True)
    texts = [
        v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)
    ]
    assert texts, "the export has no text"
    leaks["lijst.xlsx"] = _leaks("\n".join(texts), "lijst.xlsx")
    response = contexts("supplier-own").request.get(f"{url}{DELIVERIES}/{filled['delivery']}/rapport.csv")
    assert response.ok
    leaks["rapport.csv"] = _leaks(response.text(), "rapport.csv")
    assert leaks == {"lijst.xlsx": [], "rapport.csv": []}


@pytest.mark.parametrize("name", ["coordinator-lijst", "coordinator-huishouden"])
def test_a_printed_page_has_no_navigation_and_no_forms(name, site, contexts, filled):
    spec = next(p for p in PAGES if p.name == name)
    page = _open(contexts, site, filled, spec)
    try:
        page.emulate_media(media="print")
        assert page.locator("header nav").is_hidden()
        assert page.get_by_role("button", name="Uitloggen").is_hidden()
        assert page.locator("a.naar-inhoud").is_hidden() and page.locator("footer").is_hidden()
        forms = page.locator("main form")
        assert forms.count() > 0
        assert [i for i in range(forms.count()) if forms.nth(i).is_visible()] == []
        colour = page.evaluate("getComputedStyle(document.body).color")
        assert colour == "rgb(0, 0, 0)"
        pdf = page.pdf(path=PRINTS / f"{name}.pdf", format="A4")
        pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
        print(f"{name}: {pages} A4 pages printed")  # reported, not asserted: the templates are not ours
        assert pages >= 1
    finally:
        page.close()


def _tab_to(page, selector: str, limit: int) -> int:
    """Tab until the focus is on `selector`; the number of presses, or fails after `limit`."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} Tab presses")


def test_a_coordinator_reaches_the_contact_form_with_the_keyboard_alone(site, browser):
    url, _ = site
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(f"{url}/inloggen")
        assert _tab_to(page, "a.naar-inhoud", 1) == 1, "the skip link is the first stop"
        assert page.locator("a.naar-inhoud").is_visible(), "the skip link shows when it has the focus"
        _tab_to(page, "input[name=username]", 5)
        page.keyboard.type("coord-own")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/inloggen/code")
        _tab_to(page, "input[name=code]", 5)
        page.keyboard.type(current_code(SERVED[url], "coord-own"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(TEAM_LIST)

        _tab_to(page, "a.naar-inhoud", 1)
        page.keyboard.press("Enter")
        _tab_to(page, f"main a[href^='/teams/{OWN_TEAM}/huishoudens/']", 25)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/huishoudens/" in page.url

        _tab_to(page, "a.naar-inhoud", 1)
        page.keyboard.press("Enter")
        presses = _tab_to(page, "#form-contactpoging input[name=datum]", 25)
        print(f"the contact form's first field: {presses} Tab presses after the skip link")
    finally:
        context.close()
