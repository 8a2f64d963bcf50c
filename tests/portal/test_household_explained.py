"""The household page explains its number: the risk with its subject (or the stage, once the
procedure is past the point the risk is about), the points that raise and lower it apart, every
value in Dutch words, withdrawal fields that say what they withdraw, folded away, and a page that
prints without its forms."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from portal.form_checks import today
from rules.scorecard import format_risk, load_spec
from signals.registrations import ddas_vocabulary
from tests.conftest import TINY_AS_OF
from tests.portal.browser import chromium, log_in
from tests.portal.conftest import (
    OWN_TEAM,
    csrf_of,
    live_portal,
    login,
    make_client,
    own_team_list,
    pristine_copy,
)

PLANNED = "ontruiming_gepland"  # a label stage: the risk is about reaching it, and it is reached
RUNNING = "vonnis"  # before the label stages: the risk still applies, to "de" procedure


def visible(page: str) -> str:
    """The text a reader sees in the page's main part (or in a part of it): tags and attributes left out."""
    main = page[page.index("<main>") :] if "<main>" in page else page
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", main)).split())


def section(page: str, ident: str) -> str:
    return page[page.index(f'<section id="{ident}"') :].split("</section>", 1)[0]


class Stage:
    """The own team's households on a copy of the workspace, two of them given an eviction stage."""

    def __init__(self, root: Path, households: list[str]):
        self.root, self.households = root, households
        self.planned, self.running = households[2], households[3]

    def page(self, client, household: str) -> str:
        response = client.get(f"/teams/{OWN_TEAM}/huishoudens/{household}")
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture(scope="module")
def staged(portal_workspace, tmp_path_factory) -> Stage:
    """A copy of the portal workspace (its pristine portal state) where, in int_household__features
    and the list on the as-of date, one household's procedure is at a planned eviction and one at a
    judgment; and the first household has registrations to withdraw, two of them on the same day."""
    root = pristine_copy(portal_workspace, tmp_path_factory, "explained-ws")
    wh = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        households = own_team_list(wh)
        stage = Stage(root, households)
        for household, value in ((stage.planned, PLANNED), (stage.running, RUNNING)):
            for table in ("int_household__features", "fct_list_entry"):  # the list copies the features' stage
                wh.execute(
                    f"update {table} set eviction_stage = ? where as_of_date = ? and household_id = ?",  # noqa: S608
                    [value, TINY_AS_OF, household],
                )
    finally:
        wh.close()
    # registrations on the first household, through the portal as a coordinator makes them
    client = make_client(root)
    assert login(client, "coord-own").status_code == 303
    page = f"/teams/{OWN_TEAM}/huishoudens/{households[0]}"
    token = csrf_of(client, page)
    vocab = ddas_vocabulary()
    day = (today() - timedelta(days=1)).isoformat()
    attempt = {"datum": day, "soort": vocab["EnumContactsoort"][0], "bereikt": "nee", "csrf_token": token}
    for _ in range(2):
        assert client.post(f"{page}/contactpoging", data=attempt).status_code == 303
    result = {"datum": day, "eindresultaat": vocab["EnumEindresultaat"][0], "csrf_token": token}
    assert client.post(f"{page}/resultaat", data=result).status_code == 303
    assert (
        client.post(f"{page}/toewijzing", data={"medewerker": "A. de Vries", "csrf_token": token}).status_code
        == 303
    )
    return stage


@pytest.fixture(scope="module")
def coordinator(staged):
    client = make_client(staged.root)
    assert login(client, "coord-own").status_code == 303
    return client


def _entry(root: Path, household: str) -> dict:
    wh = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        row = wh.execute(
            "select risk, score, score_points, model_version from fct_list_entry "
            "where as_of_date = ? and household_id = ?",
            [TINY_AS_OF, household],
        ).fetchall()[0]
    finally:
        wh.close()
    return dict(zip(("risk", "score", "score_points", "model_version"), row, strict=True))


def test_the_risk_names_what_it_is_the_chance_of_with_a_decimal_comma(staged, coordinator):
    first = _entry(staged.root, staged.households[0])
    text = visible(staged.page(coordinator, staged.households[0]))
    sentence = re.search(
        r"Geschatte kans dat een ontruimingsprocedure binnen (\d+) maanden de aanzegging bereikt: (\S+%)",
        text,
    )
    assert sentence, text[:800]
    assert sentence.group(2) == format_risk(first["risk"]) and re.fullmatch(r"\d+,\d\d%", sentence.group(2))
    assert int(sentence.group(1)) == round(load_spec().label_horizon_days / (365.25 / 12))
    running = visible(staged.page(coordinator, staged.running))
    assert "Geschatte kans dat de ontruimingsprocedure binnen 6 maanden de aanzegging bereikt:" in running
    # the scorecard in words, never its version string
    assert first["model_version"] not in text and "prior-" not in text
    assert "Geschat met de voorlopige scorekaart" in text


def test_a_household_whose_eviction_is_planned_gets_the_stage_instead_of_a_percentage(staged, coordinator):
    risk = _entry(staged.root, staged.planned)["risk"]
    page = staged.page(coordinator, staged.planned)
    text = visible(page)
    assert "De ontruimingsprocedure is al in de fase ontruiming gepland" in text
    assert "geldt daarom niet meer" in text
    assert format_risk(risk) not in text and not re.search(r"\d+,\d\d%", text)
    assert 'class="kans"' not in page and "Geschatte kans" not in text
    # the points are still there: they place the household in its lane
    assert "Wat de kans verhoogt" in text and "een kans wordt niet meer geschat" in text


def test_raising_and_lowering_points_are_listed_apart_and_add_up_to_the_total(staged, coordinator):
    checked = 0
    for household in staged.households:
        entry = _entry(staged.root, household)
        contributions = entry["score_points"]
        if not any(c["points"] < 0 for c in contributions):
            continue
        page = staged.page(coordinator, household)
        card = section(page, "scorekaart")
        raising = card[
            card.index("<h3>Wat de kans verhoogt</h3>") : card.index("<h3>Wat de kans verlaagt</h3>")
        ]
        lowering = card[card.index("<h3>Wat de kans verlaagt</h3>") : card.index("Totaal:")]
        up = [int(n) for n in re.findall(r"<td>\+(\d+) punt", raising)]
        down = [int(n) for n in re.findall(r"<td>−(\d+) punt", lowering)]
        assert not re.search(r"[-−]\d+ punt", raising), "no minus points under 'verhoogt'"
        assert not re.search(r"\+\d+ punt", lowering), "no plus points under 'verlaagt'"
        assert sorted(up) == sorted(c["points"] for c in contributions if c["points"] > 0)
        assert sorted(down) == sorted(-c["points"] for c in contributions if c["points"] < 0)
        assert sum(up) - sum(down) == entry["score"]
        total = f"{entry['score']} punten" if entry["score"] >= 0 else f"−{-entry['score']} punten"
        assert f"Totaal: <strong>{total}</strong>" in card
        # a scorecard line is worded once: with its points, not again under the reasons
        reasons = section(page, "redenen")
        assert not re.search(r"punt(en)?\)", reasons)
        assert all(html.escape(c["label"], quote=False) not in reasons for c in contributions)
        checked += 1
    assert checked, "the tiny region has a household of the own team with minus points"


def _numbers_with_a_decimal_point(text: str) -> list[str]:
    """12.5 or 5.78 (a decimal point); 1.406 or 2.278,03 is a Dutch thousands separator."""
    return [n for n in re.findall(r"\d+(?:\.\d+)+", text) if any(len(g) != 3 for g in n.split(".")[1:])]


def test_no_code_snake_case_or_decimal_point_is_visible_on_any_household_page(staged, coordinator):
    assert _numbers_with_a_decimal_point("achterstand (5.78 maanden) € 2.278,03") == ["5.78"]
    timelines = 0
    for household in staged.households:
        page = staged.page(coordinator, household)
        text = visible(page)
        assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text), household
        assert not _numbers_with_a_decimal_point(text), household
        signals = visible(section(page, "signalen"))
        assert not re.search(r"\b(molenwonen|zaanoever|wormerhof|dwnk|ggd_zw)\b", signals), household
        timelines += "maanden" in signals
    assert timelines, "some timeline shows months of arrears"


class _Labels(HTMLParser):
    """The text of every <label> around a field called `reden` in a withdrawal form, and the text of
    every withdrawal form's button and summary; whether each field has a label; heading levels."""

    def __init__(self):
        super().__init__()
        self.in_withdrawal = self.in_details = False
        self.open: list[list[str]] = []  # the labels, summaries and buttons being read
        self.kinds: list[str] = []
        self.reden, self.buttons, self.summaries, self.unlabelled, self.levels = [], [], [], [], []
        self.closed_details_with_forms = 0
        self._details_open = False
        self._label_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details" and "intrekken" in (a.get("class") or ""):
            self.in_details, self._details_open = True, "open" in a
        if tag == "form" and "intrekken" in (a.get("class") or ""):
            self.in_withdrawal = True
            self.closed_details_with_forms += self.in_details and not self._details_open
        if tag in ("label", "button", "summary"):
            self.open.append([])
            self.kinds.append(tag)
            self._label_depth += tag == "label"
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            if not self._label_depth:
                self.unlabelled.append(a.get("name"))
            if self.in_withdrawal and a.get("name") == "reden":
                self.kinds[-1] = "reden"
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))

    def handle_endtag(self, tag):
        if tag in ("label", "button", "summary") and self.open:
            text, kind = " ".join("".join(self.open.pop()).split()), self.kinds.pop()
            self._label_depth -= tag == "label"
            if kind == "reden":
                self.reden.append(text)
            elif self.in_withdrawal and kind == "button":
                self.buttons.append(text)
            elif self.in_details and kind == "summary":
                self.summaries.append(text)
        if tag == "form":
            self.in_withdrawal = False
        if tag == "details":
            self.in_details = False

    def handle_data(self, data):
        for part in self.open:
            part.append(data)


def test_every_withdrawal_field_has_its_own_name_and_is_folded_away(staged, coordinator):
    page = staged.page(coordinator, staged.households[0])
    found = _Labels()
    found.feed(page)
    assert len(found.reden) >= 4, "two contact attempts, a result and an assignment to withdraw"
    assert len(set(found.reden)) == len(found.reden), found.reden
    assert all(r.startswith("Reden om ") and r.endswith(" in te trekken") for r in found.reden), found.reden
    assert sum("de contactpoging van" in r for r in found.reden) == 2, "same day, still two names"
    assert any("het eindresultaat van" in r for r in found.reden)
    assert any("de toewijzing aan A. de Vries" in r for r in found.reden)
    assert len(set(found.buttons)) == len(found.buttons) == len(found.reden)
    assert len(set(found.summaries)) == len(found.summaries) == len(found.reden)
    assert all(s.startswith("Intrekken") for s in found.summaries)
    assert found.closed_details_with_forms == len(found.reden), "every withdrawal form starts folded"
    assert not found.unlabelled, f"fields without a label: {found.unlabelled}"
    assert found.levels[0] == 1 and found.levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(found.levels, found.levels[1:], strict=False)), found.levels


def test_the_household_heading_is_a_dutch_address(staged, coordinator):
    wh = duckdb.connect(str(staged.root / "warehouse.duckdb"), read_only=True)
    try:
        postcode = wh.execute(
            "select a.postcode from fct_list_entry as e inner join ref_address as a using (address_key) "
            "where e.as_of_date = ? and e.household_id = ?",
            [TINY_AS_OF, staged.households[0]],
        ).fetchall()[0][0]
    finally:
        wh.close()
    heading = re.search(r"<h1>(.*?)</h1>", staged.page(coordinator, staged.households[0])).group(1)
    compact = postcode.replace(" ", "")
    assert f", {compact[:4]} {compact[4:]} " in html.unescape(heading), heading


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_the_household_prints_without_forms_buttons_withdrawals_or_back_link(staged, browser):
    with live_portal(staged.root) as port:
        url = f"http://127.0.0.1:{port}"
        page = log_in(browser, url, "coord-own")
        page.goto(f"{url}/teams/{OWN_TEAM}/huishoudens/{staged.households[0]}")
        details = page.locator("details.intrekken")
        assert details.count() >= 4 and details.first.is_visible()
        assert not page.locator("form.intrekken").first.is_visible(), "folded until asked for"
        details.first.locator("summary").click()
        assert page.locator("form.intrekken").first.is_visible()
        assert page.locator("#form-contactpoging").is_visible()
        page.emulate_media(media="print")
        for selector in ("form", "button", "details.intrekken", "#registreren", "a[href$='/lijst']"):
            shown = [
                i for i in range(page.locator(selector).count()) if page.locator(selector).nth(i).is_visible()
            ]
            within = [
                i for i in shown if page.locator(selector).nth(i).evaluate("e => !!e.closest('.huishouden')")
            ]
            assert not within, f"{selector} prints"
        assert page.locator("#scorekaart").is_visible() and page.locator("#signalen").is_visible()
        assert page.locator(".risico").is_visible()
        page.emulate_media(media="screen")
        assert page.locator("#form-contactpoging").is_visible()
        page.close()


def test_a_refused_withdrawal_opens_folded_out_with_its_error(staged, coordinator):
    page = f"/teams/{OWN_TEAM}/huishoudens/{staged.households[0]}"
    text = staged.page(coordinator, staged.households[0])
    form_id = re.search(r'<form [^>]*class="intrekken" id="(intrekken-contactpoging-\d+)"', text).group(1)
    token = csrf_of(coordinator, page)
    refused = coordinator.post(
        f"{page}/intrekken",
        data={
            "soort": "contactpoging",
            "registratie": form_id.rsplit("-", 1)[1],
            "reden": "kort",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 400, refused.text
    opened = re.search(
        r'<details class="intrekken geen-print"( open)?>\s*<summary>[^<]*<span[^>]*>[^<]*</span></summary>\s*'
        rf'<form [^>]*id="{form_id}"',
        refused.text,
    )
    assert opened and opened.group(1) == " open"
    assert f'id="fout-{form_id}-reden"' in refused.text
