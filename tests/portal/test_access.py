"""Who may see what: every role × every route × own/other team or supplier, and what evaluators see."""

from __future__ import annotations

import re

import duckdb
import pytest

from portal import state
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import (
    ACCOUNTS,
    OTHER_SUPPLIER,
    OTHER_TEAM,
    OWN_SUPPLIER,
    OWN_TEAM,
    PASSWORD,
    csrf_of,
)

OK, FORBIDDEN, NOT_FOUND, LOGIN = 200, 403, 404, "login"


def _routes(ws) -> dict[str, str]:
    h, other_h = ws.household, ws.other_household
    return {
        "own_list": f"/teams/{OWN_TEAM}/lijst",
        "own_xlsx": f"/teams/{OWN_TEAM}/lijst.xlsx",
        "own_household": f"/teams/{OWN_TEAM}/huishoudens/{h}",
        "other_list": f"/teams/{OTHER_TEAM}/lijst",
        "other_xlsx": f"/teams/{OTHER_TEAM}/lijst.xlsx",
        "other_household": f"/teams/{OTHER_TEAM}/huishoudens/{other_h}",
        # A household of the first team asked for under the second team's address.
        "foreign_household_under_other_team": f"/teams/{OTHER_TEAM}/huishoudens/{h}",
        "own_supplier": f"/leveranciers/{OWN_SUPPLIER}/leveringen",
        "other_supplier": f"/leveranciers/{OTHER_SUPPLIER}/leveringen",
        "evaluation": "/evaluatie",
        "audit": "/beheer/audit",
        "runs": "/beheer/runs",
        "accounts": "/beheer/accounts",
    }


# The route template each route is audited under (never the raw URL).
TEMPLATES = {
    "own_list": "/teams/{team}/lijst",
    "own_xlsx": "/teams/{team}/lijst.xlsx",
    "own_household": "/teams/{team}/huishoudens/{household_id}",
    "other_list": "/teams/{team}/lijst",
    "other_xlsx": "/teams/{team}/lijst.xlsx",
    "other_household": "/teams/{team}/huishoudens/{household_id}",
    "foreign_household_under_other_team": "/teams/{team}/huishoudens/{household_id}",
    "own_supplier": "/leveranciers/{supplier}/leveringen",
    "other_supplier": "/leveranciers/{supplier}/leveringen",
    "evaluation": "/evaluatie",
    "audit": "/beheer/audit",
    "runs": "/beheer/runs",
    "accounts": "/beheer/accounts",
}
REFUSAL_ACTIONS = {403: "toegang_geweigerd", 404: "niet_gevonden"}


def _last_audit_id(ws) -> int:
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        return con.execute("select coalesce(max(audit_id), 0) from audit_log").fetchone()[0]
    finally:
        con.close()


def _audited_since(ws, audit_id: int) -> list[dict]:
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        rows = con.execute("select * from audit_log where audit_id > ? order by audit_id", [audit_id])
        return [dict(r) for r in rows]
    finally:
        con.close()


def assert_refusal_audited(ws, since: int, username: str, action: str, template: str, status: int) -> dict:
    """Exactly one refusal line after `since`, with actor, action, object, result, IP and time."""
    refused = [r for r in _audited_since(ws, since) if r["result"] == "geweigerd"]
    assert len(refused) == 1, refused
    line = refused[0]
    assert (line["username"], line["action"], line["object"]) == (username, action, template), line
    assert line["ip"] == "testclient" and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", line["at"])
    assert f"status {status}" in line["detail"]
    return line


# Expected answer per user; anything not listed is 403.
EXPECTED = {
    "coord-own": {"own_list": OK, "own_xlsx": OK, "own_household": OK},
    "coord-other": {
        "other_list": OK,
        "other_xlsx": OK,
        "other_household": OK,
        "foreign_household_under_other_team": NOT_FOUND,
    },
    "supplier-own": {"own_supplier": OK},
    "supplier-other": {"other_supplier": OK},
    "evaluator": {"evaluation": OK},
    "admin": {"audit": OK, "runs": OK, "accounts": OK},
}


def test_anonymous_visitors_are_sent_to_the_login_page_everywhere(portal_workspace, client):
    for name, path in _routes(portal_workspace).items():
        since = _last_audit_id(portal_workspace)
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/inloggen", name
        assert_refusal_audited(portal_workspace, since, "anoniem", "niet_ingelogd", TEMPLATES[name], 401)
    assert client.get("/").headers["location"] == "/inloggen"


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_every_role_sees_exactly_its_own_pages(portal_workspace, as_user, username):
    client = as_user(username)
    ws = portal_workspace
    for name, path in _routes(ws).items():
        expected = EXPECTED[username].get(name, FORBIDDEN)
        since = _last_audit_id(ws)
        response = client.get(path)
        assert response.status_code == expected, f"{username} {name}: {response.status_code}"
        if expected == FORBIDDEN:
            assert ws.household not in response.text
            assert "Vlasweg" not in response.text
        if expected in REFUSAL_ACTIONS:
            line = assert_refusal_audited(
                ws, since, username, REFUSAL_ACTIONS[expected], TEMPLATES[name], expected
            )
            if "household" in name:
                assert line["household_id"] in (ws.household, ws.other_household)
        else:
            lines = _audited_since(ws, since)
            assert all(r["result"] == "toegestaan" and r["username"] == username for r in lines), name
            assert all(r["object"] == TEMPLATES[name] and r["ip"] == "testclient" for r in lines), name


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_every_role_may_change_exactly_what_is_its_own(portal_workspace, as_user, username):
    """POSTs with the user's own valid CSRF token: refused on role, team or supplier alone."""
    client = as_user(username)
    start = client.get("/")
    token = csrf_of(client, start.headers["location"])
    h = portal_workspace.household
    assign = client.post(
        f"/teams/{OWN_TEAM}/huishoudens/{h}/toewijzing",
        data={"medewerker": "Test Medewerker", "csrf_token": token},
    )
    assert assign.status_code == (303 if username == "coord-own" else FORBIDDEN), username
    upload = client.post(
        f"/leveranciers/{OWN_SUPPLIER}/leveringen/overlast",
        data={"csrf_token": token},
        files={"bestand": ("leeg.csv", b"", "text/csv")},
    )
    # the own supplier gets past the access check: its empty file is refused on its content (422)
    assert upload.status_code == (422 if username == "supplier-own" else FORBIDDEN), username


def _admin_posts(ws) -> dict[str, tuple[str, dict]]:
    """Every administrator form, aimed at an account and a token made for this test alone."""
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        if state.account_by_name(con, "matrix-doel") is None:
            from portal.security import hash_password

            state.add_account(con, "matrix-doel", "evaluator", hash_password(PASSWORD))
        state.set_totp_secret(con, state.account_by_name(con, "matrix-doel").account_id, "JBSWY3DPEHPK3PXP")
        state.add_api_token(con, f"vroeg_matrix_{len(state.api_tokens(con))}", OTHER_SUPPLIER, "matrix")
        token_id = max(t["token_id"] for t in state.api_tokens(con) if t["label"] == "matrix")
    finally:
        con.close()
    return {
        "create_account": ("/beheer/accounts/nieuw", {"gebruikersnaam": "matrix-nieuw", "rol": "evaluator"}),
        "deactivate": ("/beheer/accounts/deactiveren", {"gebruikersnaam": "matrix-doel", "bevestigd": "ja"}),
        "reactivate": ("/beheer/accounts/activeren", {"gebruikersnaam": "matrix-doel"}),
        "reset_password": (
            "/beheer/accounts/wachtwoord",
            {"gebruikersnaam": "matrix-doel", "bevestigd": "ja"},
        ),
        "reset_second_factor": (
            "/beheer/accounts/tweede-factor",
            {"gebruikersnaam": "matrix-doel", "bevestigd": "ja"},
        ),
        "issue_token": ("/beheer/api-sleutels/nieuw", {"leverancier": OWN_SUPPLIER, "omschrijving": "m"}),
        "revoke_token": ("/beheer/api-sleutels/intrekken", {"sleutel": str(token_id), "bevestigd": "ja"}),
    }


def _registration_to_withdraw(ws) -> int:
    """A fresh assignment of the own team's household, for the withdrawal form."""
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        state.add_assignment(con, wijkteam=OWN_TEAM, household_id=ws.household, worker="Matrix", by="test")
        return con.execute("select max(assignment_id) from assignment").fetchone()[0]
    finally:
        con.close()


def _changes(ws) -> dict:
    """What the administrator forms change, to see that a refused POST changed nothing."""
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        return {
            "accounts": [(a["username"], a["is_active"]) for a in state.accounts(con)],
            "tokens": [(t["token_id"], t["revoked_at"]) for t in state.api_tokens(con)],
            "withdrawals": con.execute("select count(*) from withdrawal").fetchone()[0],
        }
    finally:
        con.close()


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_only_the_administrator_manages_accounts_and_only_the_own_team_withdraws(
    portal_workspace, as_user, username
):
    ws = portal_workspace
    client = as_user(username)
    token = csrf_of(client, client.get("/").headers["location"])
    for name, (path, form) in _admin_posts(ws).items():
        before, since = _changes(ws), _last_audit_id(ws)
        response = client.post(path, data={**form, "csrf_token": token})
        if username == "admin":
            assert response.status_code in (200, 303), f"{name}: {response.status_code} {response.text[:300]}"
        else:
            assert response.status_code == FORBIDDEN, f"{username} {name}: {response.status_code}"
            assert _changes(ws) == before, f"{username} {name} changed something"
            refused = [r for r in _audited_since(ws, since) if r["result"] == "geweigerd"]
            assert [(r["username"], r["action"], r["object"]) for r in refused] == [
                (username, "toegang_geweigerd", path)
            ], name
    withdraw = client.post(
        f"/teams/{OWN_TEAM}/huishoudens/{ws.household}/intrekken",
        data={
            "soort": "toewijzing",
            "registratie": str(_registration_to_withdraw(ws)),
            "reden": "Per vergissing vastgelegd",
            "csrf_token": token,
        },
    )
    assert withdraw.status_code == (303 if username == "coord-own" else FORBIDDEN), username


def test_anonymous_posts_change_nothing_and_are_sent_to_the_login_page(portal_workspace, client):
    ws = portal_workspace
    before = _changes(ws)
    posts = dict(_admin_posts(ws).values())
    posts[f"/teams/{OWN_TEAM}/huishoudens/{ws.household}/intrekken"] = {
        "soort": "toewijzing",
        "registratie": str(_registration_to_withdraw(ws)),
        "reden": "Per vergissing vastgelegd",
    }
    for path, form in posts.items():
        response = client.post(path, data={**form, "csrf_token": "x" * 43})
        assert response.status_code == 303 and response.headers["location"] == "/inloggen", path
    after = _changes(ws)
    assert after["accounts"] == before["accounts"] and after["withdrawals"] == before["withdrawals"]
    assert [t for t in after["tokens"] if t[1]] == [t for t in before["tokens"] if t[1]], "no token revoked"


def test_a_failed_csrf_check_a_wrong_method_and_a_too_large_form_are_audited(portal_workspace, as_user):
    ws = portal_workspace
    client = as_user("coord-own")
    path = f"/teams/{OWN_TEAM}/huishoudens/{ws.household}/toewijzing"
    template = "/teams/{team}/huishoudens/{household_id}/toewijzing"
    since = _last_audit_id(ws)
    assert client.post(path, data={"medewerker": "X", "csrf_token": "vals"}).status_code == 403
    line = assert_refusal_audited(ws, since, "coord-own", "csrf_geweigerd", template, 403)
    assert line["household_id"] == ws.household and f"team={OWN_TEAM}" in line["detail"]
    since = _last_audit_id(ws)
    assert client.delete(f"/teams/{OWN_TEAM}/lijst").status_code == 405
    assert_refusal_audited(ws, since, "coord-own", "methode_geweigerd", "/teams/{team}/lijst", 405)
    since = _last_audit_id(ws)
    assert client.post(path, content=b"x" * 70_000).status_code == 413
    assert_refusal_audited(ws, since, "coord-own", "te_groot_geweigerd", template, 413)
    since = _last_audit_id(ws)
    assert client.get("/bestaat/niet/12345").status_code == 404
    assert_refusal_audited(ws, since, "coord-own", "niet_gevonden", "(onbekende pagina)", 404)


def test_refused_api_calls_and_refused_uploads_are_audited(portal_workspace, as_user, client):
    ws = portal_workspace
    api = "/api/leveringen/{feed}"
    since = _last_audit_id(ws)
    assert (
        client.post("/api/leveringen/overlast", files={"bestand": ("a.csv", b"a", "text/csv")}).status_code
        == 401
    )
    line = assert_refusal_audited(ws, since, "anoniem", "api_token_geweigerd", api, 401)
    assert "geen sleutel" in line["detail"]
    since = _last_audit_id(ws)
    bad = {"Authorization": "Bearer vroeg_onzin"}
    assert client.post("/api/leveringen/overlast", headers=bad).status_code == 401
    assert (
        "onbekende" in assert_refusal_audited(ws, since, "anoniem", "api_token_geweigerd", api, 401)["detail"]
    )

    con = state.open_state(ws.root / "portal.sqlite")
    state.add_api_token(con, "vroeg_audit_test_token", OWN_SUPPLIER, "auditproef")
    con.close()
    since = _last_audit_id(ws)
    wrong_feed = client.post(
        "/api/leveringen/bestaat_niet",
        headers={"Authorization": "Bearer vroeg_audit_test_token"},
        files={"bestand": ("a.csv", b"a;b\n1;2\n", "text/csv")},
    )
    assert wrong_feed.status_code == 422
    line = assert_refusal_audited(ws, since, "api:auditproef", "levering_geweigerd", api, 422)
    assert "onbekende feed" in line["detail"] and "feed=bestaat_niet" in line["detail"]

    supplier = as_user("supplier-own")
    token = csrf_of(supplier, f"/leveranciers/{OWN_SUPPLIER}/leveringen")
    since = _last_audit_id(ws)
    empty = supplier.post(
        f"/leveranciers/{OWN_SUPPLIER}/leveringen/overlast",
        data={"csrf_token": token},
        files={"bestand": ("leeg.csv", b"", "text/csv")},
    )
    assert empty.status_code == 422
    refused = [r for r in _audited_since(ws, since) if r["result"] == "geweigerd"]
    assert [(r["username"], r["action"], r["object"], r["detail"]) for r in refused] == [
        ("supplier-own", "levering_geweigerd", "/leveranciers/{supplier}/leveringen/{feed}", "overlast: leeg")
    ]
    assert refused[0]["ip"] == "testclient"


def test_a_coordinator_is_sent_to_the_own_team_and_a_supplier_to_its_own_deliveries(as_user):
    assert as_user("coord-own").get("/").headers["location"] == f"/teams/{OWN_TEAM}/lijst"
    assert as_user("supplier-own").get("/").headers["location"] == f"/leveranciers/{OWN_SUPPLIER}/leveringen"


def test_the_evaluator_page_has_no_household_address_or_postcode(portal_workspace, as_user):
    page = as_user("evaluator").get("/evaluatie")
    assert page.status_code == 200
    text = page.text
    assert "Uitgevoerde ontruimingen per 1.000 corporatiewoningen" in text
    assert "Financiële signalen per maand" in text and "Eindresultaten" in text
    assert text.count('<img src="data:image/svg+xml;base64,') >= 5, "the report's charts"
    assert not re.search(r"hh-[0-9a-f]{8,}", text)
    assert not re.search(r"\b[1-9][0-9]{3}\s?[A-Z]{2}\b", text), "postcode pattern on the evaluator page"
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        streets = {s for (s,) in wh.execute("select distinct street from ref_address").fetchall() if s}
        keys = {k for (k,) in wh.execute("select address_key from fct_list_entry").fetchall()}
    finally:
        wh.close()
    assert not [s for s in streets if s in text]
    assert not [k for k in keys if k in text]


def test_evaluator_counts_below_five_are_suppressed(portal_workspace, as_user):
    text = as_user("evaluator").get("/evaluatie").text
    cells = re.findall(r"<td>(\d+)</td>", text)
    counts = [int(c) for c in cells if int(c) < 1900]  # years are not counts
    assert counts, "no counts on the page"
    assert not [c for c in counts if 1 <= c <= 4]
    assert "&lt;5" in text  # the tiny region has small cells


def test_the_evaluator_page_shows_the_stored_indicators_of_the_chosen_year(portal_workspace, as_user):
    from indicators.config import indicator_config
    from indicators.tables import indicator_tables

    client = as_user("evaluator")
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        years = [y for (y,) in wh.execute("select distinct year from agg_indicator order by 1").fetchall()]
        earliest = indicator_tables(wh, years[0], indicator_config())
    finally:
        wh.close()
    assert len(years) >= 2
    text = client.get("/evaluatie").text
    assert f"Indicatoren vroegsignalering {years[-1]}" in text  # the latest year by default
    text = client.get(f"/evaluatie?jaar={years[0]}").text
    assert f"Indicatoren vroegsignalering {years[0]}" in text
    _, signals = earliest["signalen"]
    region = signals.row(0, named=True)
    assert f"<td>{region['financiële signalen']}</td>" in text  # the figure agg_indicator holds


def test_every_page_carries_the_security_headers(portal_workspace, as_user):
    client = as_user("coord-own")
    for path in ("/inloggen", f"/teams/{OWN_TEAM}/lijst", f"/teams/{OTHER_TEAM}/lijst"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"


def test_the_session_cookie_is_httponly_and_samesite_and_secure_when_asked(portal_workspace):
    from fastapi.testclient import TestClient

    from portal.app import create_app
    from tests.portal.conftest import CSRF, PASSWORD

    for secure in (False, True):
        client = TestClient(
            create_app(portal_workspace.root, secure_cookie=secure),
            base_url="https://testserver" if secure else "http://testserver",
            follow_redirects=False,
        )
        token = CSRF.search(client.get("/inloggen").text).group(1)
        response = client.post(
            "/inloggen", data={"username": "evaluator", "password": PASSWORD, "csrf_token": token}
        )
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("vroeg_sessie="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert ("Secure" in cookie) == secure


def test_the_list_shows_the_lanes_reasons_and_capacity_for_the_latest_date(portal_workspace, as_user):
    from rules.lanes import default_lanes

    page = as_user("coord-own").get(f"/teams/{OWN_TEAM}/lijst").text
    assert "Peildatum 31-10-2026" in page
    assert f"/teams/{OWN_TEAM}/huishoudens/{portal_workspace.household}" in page
    labels = [f"<h2>{lane.label} " for lane in default_lanes().lanes]
    assert all(label in page for label in labels)
    assert [page.index(label) for label in labels] == sorted(page.index(label) for label in labels)
    assert "punten)" in page and "Capaciteit van het team: 25 huishoudens per week" in page
    assert "prioriteit" not in page.lower() and "tier-" not in page
    only_acute = as_user("coord-own").get(f"/teams/{OWN_TEAM}/lijst?baan=acuut").text
    assert portal_workspace.household not in only_acute, "the tiny region's first household is not acute"
    assert "Geen huishoudens in deze baan die aan de filters voldoen." in only_acute


def test_the_household_page_explains_the_entry(portal_workspace, as_user):
    from portal.dutch import feed_words

    page = as_user("coord-own").get(f"/teams/{OWN_TEAM}/huishoudens/{portal_workspace.household}")
    text = page.text
    for heading in (
        "Redenen",
        "Signalen op dit adres",
        "Scorekaart",
        "Wgs-opvolging",
        "Wat het team deed",
    ):
        assert f"<h2>{heading}</h2>" in text
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        feeds = wh.execute(
            "select distinct s.feed from int_signal__linked as s "
            "inner join fct_list_entry as e using (address_key) "
            "where e.household_id = ? and e.as_of_date = ? and s.known_date <= e.as_of_date",
            [portal_workspace.household, TINY_AS_OF],
        ).fetchall()
        lane = wh.execute(
            "select lane from fct_list_entry where household_id = ? and as_of_date = ?",
            [portal_workspace.household, TINY_AS_OF],
        ).fetchall()[0][0]
    finally:
        wh.close()
    assert feeds and all(f"<td>{feed_words(feed)}</td>" in text for (feed,) in feeds)
    assert lane == "vroeg_erop_af" and "baan <strong>Vroeg erop af</strong>" in text
    assert "plaats 1 in de baan" in text and "binnen de capaciteit" in text
    assert not re.search(r"\b\d{9}\b", text), "nine digits (a BSN?) on the household page"


def test_the_household_page_shows_the_estimated_risk_as_the_lists_do_and_says_of_what(
    portal_workspace, as_user
):
    from rules.scorecard import format_risk

    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        (risk,) = wh.execute(
            "select risk from int_household__score where household_id = ? and as_of_date = ?",
            [portal_workspace.household, TINY_AS_OF],
        ).fetchall()[0]
    finally:
        wh.close()
    text = as_user("coord-own").get(f"/teams/{OWN_TEAM}/huishoudens/{portal_workspace.household}").text
    shown = re.search(
        r"Geschatte kans dat een ontruimingsprocedure binnen 6 maanden de aanzegging bereikt: "
        r'<strong class="kans">(\S+)</strong>',
        text,
    ).group(1)
    assert shown == format_risk(risk) and re.fullmatch(r"\d+,\d\d%", shown)


def test_the_evaluator_sees_the_list_sizes_per_lane_suppressed(portal_workspace, as_user):
    from rules.lanes import default_lanes

    text = as_user("evaluator").get("/evaluatie").text
    table = text[text.index("<h2>Omvang van de lijsten per team</h2>") :]
    header = table[: table.index("</thead>")]
    lanes = [f"<th>{lane.label}</th>" for lane in default_lanes().lanes]
    assert all(h in header for h in [*lanes, "<th>Binnen capaciteit</th>", "<th>Nieuw</th>"])
    assert "Crisis" not in header and "crisis" not in header
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        counts = wh.execute(
            "select wijkteam, count(*) filter (where lane = 'vroeg_erop_af'), "
            "count(*) filter (where lane = 'acuut') from fct_list_entry where as_of_date = ? group by all",
            [TINY_AS_OF],
        ).fetchall()
    finally:
        wh.close()
    rows = re.findall(r"<tr><td>31-10-2026</td><td>([a-z-]+)</td>((?:<td>[^<]*</td>)+)</tr>", table)
    cells = {team: re.findall(r"<td>([^<]*)</td>", rest) for team, rest in rows}
    assert len(cells) == len(counts)
    for team, ranked, acute in counts:
        shown = cells[team]
        assert shown[1] == (str(acute) if acute == 0 or acute >= 5 else "&lt; 5")
        assert shown[2] == (str(ranked) if ranked == 0 or ranked >= 5 else "&lt; 5")
