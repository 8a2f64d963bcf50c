"""The team's list in lanes (rules/lanes.yaml): sections, the capacity line, the lane filter, lane
overrides and their withdrawal, the Wgs follow-up duty, and what a coordinator reads (no codes, no
minus points among the reasons)."""

from __future__ import annotations

import html
import re

import duckdb
import pytest

from lists.export import ADDRESS_SQL
from portal import state
from rules.lanes import default_lanes
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import ACUTE, OWN_TEAM, csrf_of, login, make_client

LIST = f"/teams/{OWN_TEAM}/lijst"
SECTION = re.compile(
    r'<section class="baan[^"]*" id="baan-[a-z_]+" data-baan="([a-z_]+)">(.*?)</section>', re.S
)
ROW = re.compile(r'data-huishouden="(hh-[0-9a-f]+)"')


def sections(page: str) -> dict[str, str]:
    """Lane code → the section's HTML, in page order."""
    return {code: body for code, body in SECTION.findall(page)}


def rows(section: str) -> list[str]:
    return ROW.findall(section)


def visible(page: str) -> str:
    """The text a reader sees: tags (and their attributes) left out, white space evened out."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", page)).split())


@pytest.fixture
def coordinator(laned_workspace):
    client = make_client(laned_workspace.root)
    assert login(client, "coord-own").status_code == 303
    return client


def _audit(root, **where) -> list[dict]:
    con = state.open_state(root / "portal.sqlite")
    try:
        found = state.audit_entries(con, limit=100_000)
    finally:
        con.close()
    return [e for e in found if all(e[k] == v for k, v in where.items())]


def test_the_list_shows_the_lanes_as_sections_in_lane_order_with_label_and_description(coordinator):
    page = coordinator.get(LIST).text
    lanes = default_lanes()
    assert list(sections(page)) == list(lanes.codes)
    for lane in lanes.lanes:
        body = sections(page)[lane.code]
        assert f"<h2>{lane.label} " in body
        assert " ".join(lane.description.split()) in " ".join(body.split())


def test_acute_rows_are_ordered_by_date_and_show_the_date_and_the_suggested_action(
    coordinator, laned_workspace
):
    acute = sections(coordinator.get(LIST).text)["acuut"]
    assert rows(acute) == list(laned_workspace.acute)
    later, earlier = ACUTE
    text = visible(acute)
    assert text.index(earlier[0].strftime("%d-%m-%Y")) < text.index(later[0].strftime("%d-%m-%Y"))
    assert earlier[1] in text and later[1] in text
    assert earlier[2] in text, "the acute rule's reason comes first among the reasons"
    assert "Geschatte kans" not in text and "Capaciteitslijn" not in text


def test_the_capacity_line_is_drawn_only_in_the_ranked_lane_after_the_nights_capacity(
    coordinator, laned_workspace
):
    page = coordinator.get(LIST).text
    ranked, acute = sections(page)["vroeg_erop_af"], sections(page)["acuut"]
    assert "capaciteitslijn-regel" in ranked and "capaciteitslijn-regel" not in acute
    assert "Capaciteit van het team" in ranked and "Capaciteit van het team" not in acute
    above, below = ranked.split("capaciteitslijn-regel", 1)
    assert len(rows(above)) == laned_workspace.capacity
    assert rows(above) + rows(below) == list(laned_workspace.ranked)
    assert below.count("buiten-capaciteit") == len(rows(below)) and "buiten-capaciteit" not in above
    # the estimated risk as a Dutch percentage, in the ranked lane only
    assert re.search(r"<td>\d+,\d\d%</td>", ranked) and not re.search(r"\d+,\d\d%", acute)
    within = coordinator.get(f"{LIST}?capaciteit=ja").text
    assert rows(sections(within)["vroeg_erop_af"]) == list(laned_workspace.ranked[: laned_workspace.capacity])
    assert rows(sections(within)["acuut"]) == list(laned_workspace.acute), "acute: all within capacity"


def test_the_lane_filter_shows_only_that_lane(coordinator, laned_workspace):
    only_acute = coordinator.get(f"{LIST}?baan=acuut").text
    assert list(sections(only_acute)) == ["acuut"]
    assert set(ROW.findall(only_acute)) == set(laned_workspace.acute)
    only_ranked = coordinator.get(f"{LIST}?baan=vroeg_erop_af").text
    assert list(sections(only_ranked)) == ["vroeg_erop_af"]
    assert set(ROW.findall(only_ranked)) == set(laned_workspace.ranked)
    unknown = coordinator.get(f"{LIST}?baan=crisis").text  # the old tiers are no filter: everything
    assert list(sections(unknown)) == list(default_lanes().codes)


def test_a_lane_override_moves_the_row_into_that_lane_and_its_filter_and_a_withdrawal_restores_it(
    coordinator, laned_workspace
):
    ws = laned_workspace
    moved = ws.ranked[0]
    page = f"/teams/{OWN_TEAM}/huishoudens/{moved}"
    token = csrf_of(coordinator, page)
    reason = "Buurtwerker meldt <acute> zorgen over de woning"
    done = coordinator.post(f"{page}/baan", data={"baan": "acuut", "reden": reason, "csrf_token": token})
    assert done.status_code == 303 and done.headers["location"].startswith(f"{page}?opgeslagen=")

    listing = coordinator.get(LIST).text
    acute, ranked = sections(listing)["acuut"], sections(listing)["vroeg_erop_af"]
    assert rows(acute) == [*ws.acute, moved], "without an acute date: last in the acute lane"
    assert moved not in rows(ranked)
    assert "verplaatst naar Acuut: Buurtwerker meldt &lt;acute&gt; zorgen over de woning" in acute
    # the capacity line stays after the night's capacity: the next household moves up above it
    above = ranked.split("capaciteitslijn-regel", 1)[0]
    assert rows(above) == list(ws.ranked[1 : ws.capacity + 1])
    assert moved in ROW.findall(coordinator.get(f"{LIST}?baan=acuut").text)
    assert moved not in ROW.findall(coordinator.get(f"{LIST}?baan=vroeg_erop_af").text)

    household = visible(coordinator.get(page).text)
    assert "baan Acuut (verplaatst door het team; de regels plaatsten het in Vroeg erop af)" in household
    assert "Acuut: geen capaciteitslijn" in household and "geen datum" in household
    entries = _audit(ws.root, action="baan_aangepast", household_id=moved, username="coord-own")
    assert [e["detail"] for e in entries] == ["Vroeg erop af → Acuut"]
    assert entries[0]["as_of_date"] == TINY_AS_OF.isoformat() and entries[0]["run_id"]
    again = coordinator.post(f"{page}/baan", data={"baan": "acuut", "reden": reason, "csrf_token": token})
    assert again.status_code == 400 and "staat al in de baan Acuut" in again.text

    con = state.open_state(ws.root / "portal.sqlite")
    try:
        override = con.execute(
            "select max(override_id) from lane_override where household_id = ?", [moved]
        ).fetchone()[0]
    finally:
        con.close()
    withdrawn = coordinator.post(
        f"{page}/intrekken",
        data={
            "soort": "baan",
            "registratie": str(override),
            "reden": "Verkeerd huishouden",
            "csrf_token": token,
        },
    )
    assert withdrawn.status_code == 303
    listing = coordinator.get(LIST).text
    assert rows(sections(listing)["acuut"]) == list(ws.acute)
    assert rows(sections(listing)["vroeg_erop_af"]) == list(ws.ranked)
    assert "verplaatst naar" not in listing
    history = coordinator.get(page).text
    assert "verplaatst naar de baan Acuut" in history and "Verkeerd huishouden" in history


def test_an_acute_household_moved_to_the_ranked_lane_takes_its_place_by_score(coordinator, laned_workspace):
    ws = laned_workspace
    moved = ws.acute[0]
    page = f"/teams/{OWN_TEAM}/huishoudens/{moved}"
    token = csrf_of(coordinator, page)
    form = {"baan": "vroeg_erop_af", "reden": "Geen acute situatie meer: betaald", "csrf_token": token}
    assert coordinator.post(f"{page}/baan", data=form).status_code == 303
    try:
        ranked = sections(coordinator.get(LIST).text)["vroeg_erop_af"]
        wh = duckdb.connect(str(ws.root / "warehouse.duckdb"), read_only=True)
        try:
            scores = dict(
                wh.execute(
                    "select household_id, score from fct_list_entry where as_of_date = ? and wijkteam = ?",
                    [TINY_AS_OF, OWN_TEAM],
                ).fetchall()
            )
        finally:
            wh.close()
        shown = rows(ranked)
        assert set(shown) == {*ws.ranked, moved}
        assert [scores[h] for h in shown] == sorted((scores[h] for h in shown), reverse=True)
        household = visible(coordinator.get(page).text)
        assert f"Voorgestelde aanpak: {default_lanes().lane('vroeg_erop_af').channel}" in household
        entries = _audit(ws.root, action="baan_aangepast", household_id=moved)
        assert entries[0]["detail"] == "Acuut → Vroeg erop af"
    finally:
        con = state.open_state(ws.root / "portal.sqlite")
        try:
            override = con.execute(
                "select max(override_id) from lane_override where household_id = ?", [moved]
            ).fetchone()[0]
        finally:
            con.close()
        coordinator.post(
            f"{page}/intrekken",
            data={
                "soort": "baan",
                "registratie": str(override),
                "reden": "Test ruimt op",
                "csrf_token": token,
            },
        )


def test_a_lane_override_needs_a_known_lane_and_a_reason(coordinator, laned_workspace):
    page = f"/teams/{OWN_TEAM}/huishoudens/{laned_workspace.ranked[1]}"
    token = csrf_of(coordinator, page)
    for form, message in (
        ({"baan": "crisis", "reden": "Een reden die lang genoeg is"}, "Kies een baan uit de lijst."),
        ({"baan": "acuut", "reden": "kort"}, "Geef een reden voor de andere baan"),
        ({"baan": "acuut", "reden": "x" * 501}, "Geef een reden voor de andere baan"),
    ):
        refused = coordinator.post(f"{page}/baan", data={**form, "csrf_token": token})
        assert refused.status_code == 400 and message in refused.text
    assert (
        coordinator.post(f"{page}/baan", data={"baan": "acuut", "reden": "Zonder token?"}).status_code == 403
    )
    con = state.open_state(laned_workspace.root / "portal.sqlite")
    try:
        count = con.execute(
            "select count(*) from lane_override where household_id = ?", [laned_workspace.ranked[1]]
        ).fetchone()[0]
    finally:
        con.close()
    assert count == 0


def test_every_row_says_how_many_wgs_signals_await_follow_up(coordinator, laned_workspace):
    page = coordinator.get(LIST).text
    wh = duckdb.connect(str(laned_workspace.root / "warehouse.duckdb"), read_only=True)
    try:
        waiting = dict(
            wh.execute(
                "select household_id, wgs_open from fct_list_entry where as_of_date = ? and wijkteam = ?",
                [TINY_AS_OF, OWN_TEAM],
            ).fetchall()
        )
    finally:
        wh.close()
    assert any(waiting.values()), "the tiny region has financial signals awaiting follow-up"
    channel = default_lanes().wgs_followup.channel
    for household, count in waiting.items():
        row = page[page.index(f'data-huishouden="{household}"') :].split("</tr>", 1)[0]
        if count == 0:
            assert "op opvolging" not in row
        else:
            verb = "wacht" if count == 1 else "wachten"
            assert f"{count} {verb} op opvolging ({channel})" in row, household
    total = sum(waiting.values())
    assert f"{total} financiële" in visible(page) and "ook onder de capaciteitslijn" in page


def test_the_household_page_shows_the_wgs_table_and_the_risk_of_reaching_aanzegging(
    coordinator, laned_workspace
):
    from portal.dutch import feed_words, nl_date
    from rules.scorecard import format_risk

    wh = duckdb.connect(str(laned_workspace.root / "warehouse.duckdb"), read_only=True)
    try:
        household, risk = wh.execute(
            "select e.household_id, e.risk from fct_list_entry as e "
            "where e.as_of_date = ? and e.wijkteam = ? and exists (select 1 from fct_wgs_followup as w "
            "where w.household_id = e.household_id and w.as_of_date = e.as_of_date) order by e.rank limit 1",
            [TINY_AS_OF, OWN_TEAM],
        ).fetchall()[0]
        signals = wh.execute(
            "select feed, signal_date, status from fct_wgs_followup "
            "where as_of_date = ? and household_id = ?",
            [TINY_AS_OF, household],
        ).fetchall()
    finally:
        wh.close()
    page = coordinator.get(f"/teams/{OWN_TEAM}/huishoudens/{household}").text
    table = page[page.index('<section id="wgs-opvolging">') :].split("</section>", 1)[0]
    assert "<h2>Wgs-opvolging</h2>" in table
    for feed, signal_date, status in signals:
        assert f"<td>{feed_words(feed)}</td>" in table and nl_date(signal_date) in table and status in table
    assert table.count("<tr") == len(signals) + 1
    sentence = "Geschatte kans dat een ontruimingsprocedure binnen 6 maanden de aanzegging bereikt: "
    assert f'{sentence}<strong class="kans">{format_risk(risk)}</strong>' in page


def test_the_acute_household_page_shows_date_action_and_the_rule_routing_there(coordinator, laned_workspace):
    earlier = ACUTE[1]
    page = visible(coordinator.get(f"/teams/{OWN_TEAM}/huishoudens/{laned_workspace.acute[0]}").text)
    assert "baan Acuut" in page and "plaats 1 in de baan" in page and "Acuut: geen capaciteitslijn" in page
    assert f"Datum: {earlier[0]:%d-%m-%Y}" in page
    assert earlier[1] in page
    rules = page[page.index("Redenen") : page.index("Scorekaart")]
    assert "Ontruiming gepland binnen 8 weken" in rules and "Acuut (05-11-2026)" in rules


def test_minus_points_are_in_the_score_breakdown_never_under_the_reasons(coordinator, laned_workspace):
    wh = duckdb.connect(str(laned_workspace.root / "warehouse.duckdb"), read_only=True)
    try:
        found = wh.execute(
            "select household_id, [c for c in score_points if c.points < 0] from fct_list_entry "
            "where as_of_date = ? and wijkteam = ? and len([c for c in score_points if c.points < 0]) > 0 "
            "order by rank",
            [TINY_AS_OF, OWN_TEAM],
        ).fetchall()
    finally:
        wh.close()
    assert found, "the prior scorecard gives minus points to some household of the own team"
    listing = coordinator.get(LIST).text
    for household, negative in found:
        row = listing[listing.index(f'data-huishouden="{household}"') :].split("</tr>", 1)[0]
        reasons = visible(row)
        assert not re.search(r"[-−]\d+ punt", reasons) and all(c["label"] not in reasons for c in negative)
        page = coordinator.get(f"/teams/{OWN_TEAM}/huishoudens/{household}").text
        under_reasons = page[page.index('<section id="redenen">') :].split("</section>", 1)[0]
        assert not re.search(r"[-−]\d+ punt", under_reasons)
        breakdown = page[page.index('<section id="scorekaart">') :].split("</section>", 1)[0]
        for c in negative:
            cells = f"<td>{html.escape(c['label'])}</td><td>{html.escape(c['bin'])}</td>"
            assert f"{cells}<td>−{-c['points']} punten</td>" in breakdown
        assert "Totaal" in breakdown


def test_no_lane_code_or_snake_case_is_visible_text(coordinator, laned_workspace, as_user):
    pages = [
        coordinator.get(LIST).text,
        coordinator.get(f"{LIST}?baan=vroeg_erop_af").text,
        coordinator.get(f"/teams/{OWN_TEAM}/huishoudens/{laned_workspace.acute[0]}").text,
        coordinator.get(f"/teams/{OWN_TEAM}/huishoudens/{laned_workspace.ranked[-1]}").text,
        as_user("evaluator").get("/evaluatie").text,
    ]
    assert "vroeg_erop_af" in pages[0], "the codes are there, in attributes"
    for page in pages:
        text = visible(page)
        for code in default_lanes().codes:
            assert not re.search(rf"\b{code}\b", text), code
    for page in pages[:4]:
        assert not re.findall(r"\b[a-z]+_[a-z_]+\b", visible(page))


def test_house_numbers_are_written_as_on_the_published_lists(coordinator, laned_workspace):
    wh = duckdb.connect(str(laned_workspace.root / "warehouse.duckdb"), read_only=True)
    try:
        addresses = wh.execute(
            f"select {ADDRESS_SQL}, a.house_number_suffix from fct_list_entry as e "  # noqa: S608
            "inner join ref_address as a using (address_key) where e.as_of_date = ? and e.wijkteam = ?",
            [TINY_AS_OF, OWN_TEAM],
        ).fetchall()
    finally:
        wh.close()
    page = visible(coordinator.get(LIST).text)
    assert all(address in page for address, _ in addresses)
    numbered = [a for a, suffix in addresses if suffix and suffix.isdigit()]
    assert numbered and all(re.search(r"\d+-\d+$", a) for a in numbered), "3-10, never 3 10"


def test_a_tier_override_from_before_the_lanes_shows_only_as_history(coordinator, laned_workspace):
    household = laned_workspace.ranked[2]
    con = state.open_state(laned_workspace.root / "portal.sqlite")
    try:
        con.executescript(
            "create table if not exists tier_override (override_id integer primary key, wijkteam text, "
            "household_id text, as_of_date text, tier text, reason text, overridden_at text, "
            "overridden_by text);"
        )
        con.execute(
            "insert into tier_override (wijkteam, household_id, as_of_date, tier, reason, overridden_at, "
            "overridden_by) values (?, ?, ?, 'crisis', 'Oude inschatting', '2026-10-20T08:00:00+00:00', 'c')",
            [OWN_TEAM, household, TINY_AS_OF.isoformat()],
        )
    finally:
        con.close()
    page = coordinator.get(f"/teams/{OWN_TEAM}/huishoudens/{household}").text
    assert "eerder: prioriteit aangepast naar crisis" in page and "Oude inschatting" in page
    assert 'name="soort" value="prioriteit"' not in page, "history: nothing to withdraw"
    listing = coordinator.get(LIST).text
    assert household in rows(sections(listing)["vroeg_erop_af"]) and "Oude inschatting" not in listing


def test_the_list_comes_in_pages_that_together_are_the_whole_list_in_order(
    coordinator, laned_workspace, monkeypatch
):
    from portal import worklist

    page = coordinator.get(LIST).text
    whole = [h for body in sections(page).values() for h in rows(body)]
    assert len(whole) > 6
    monkeypatch.setattr(worklist, "PAGE_SIZE", 3)
    pages, number = [], 1
    while True:
        shown = coordinator.get(f"{LIST}?pagina={number}").text
        pages.append([h for body in sections(shown).values() for h in rows(body)])
        assert f"Pagina {number} van {-(-len(whole) // 3)}" in visible(shown)
        if "Volgende" not in visible(shown):
            break
        number += 1
    assert all(len(p) == 3 for p in pages[:-1])
    assert [h for p in pages for h in p] == whole
    assert f"4–6 van {len(whole)} huishoudens" in visible(coordinator.get(f"{LIST}?pagina=2").text)
    beyond = coordinator.get(f"{LIST}?pagina=999").text  # a page beyond the last shows the last
    assert [h for body in sections(beyond).values() for h in rows(body)] == pages[-1]
