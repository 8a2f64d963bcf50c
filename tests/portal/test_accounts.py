"""The administrator manages accounts and supplier API tokens in the portal, through the CLI's functions."""

from __future__ import annotations

import re

from portal import state
from tests.portal.conftest import OWN_SUPPLIER, OWN_TEAM, PASSWORD, csrf_of, login, make_client

PAGE = "/beheer/accounts"
SURE = {"bevestigd": "ja"}  # the confirmation page's answer
SHOWN_PASSWORD = re.compile(r'id="eenmalig-wachtwoord">([^<]+)<')
SHOWN_TOKEN = re.compile(r'id="eenmalige-sleutel">([^<]+)<')
ERROR = re.compile(r'class="fout">([^<]+)<')


def _state(ws):
    return state.open_state(ws.root / "portal.sqlite")


def _audit(ws, action: str) -> list[dict]:
    con = _state(ws)
    try:
        return [e for e in state.audit_entries(con, limit=100_000) if e["action"] == action]
    finally:
        con.close()


def _admin(as_user):
    client = as_user("admin")
    return client, csrf_of(client, PAGE)


def test_the_administrator_makes_a_coordinator_whose_password_is_shown_once(portal_workspace, as_user):
    admin, token = _admin(as_user)
    made = admin.post(
        f"{PAGE}/nieuw",
        data={"csrf_token": token, "gebruikersnaam": "ui-coen", "rol": "coordinator", "team": OWN_TEAM},
    )
    assert made.status_code == 200, made.text
    password = SHOWN_PASSWORD.search(made.text).group(1)
    assert len(password) >= 12
    assert password not in admin.get(PAGE).text, "the password is shown once only"

    con = _state(portal_workspace)
    try:
        account = state.account_by_name(con, "ui-coen")
        assert (account.role, account.team_code, account.is_active) == ("coordinator", OWN_TEAM, True)
        assert account.password_hash.startswith("$argon2id$") and password not in account.password_hash
    finally:
        con.close()
    made_lines = _audit(portal_workspace, "account_aangemaakt")
    (entry,) = [e for e in made_lines if e["detail"].startswith("ui-coen ")]
    assert (entry["username"], entry["role"], entry["team_code"]) == ("admin", "administrator", OWN_TEAM)

    coen = make_client(portal_workspace.root)
    assert login(coen, "ui-coen", password).status_code == 303
    assert coen.get("/").headers["location"] == f"/teams/{OWN_TEAM}/lijst"
    listing = admin.get(PAGE).text
    row = re.search(r"<td>ui-coen</td>.*?</tr>", listing, re.S).group(0)
    assert "coördinator" in row and OWN_TEAM in row and "<td>ja</td>" in row
    stamps = re.findall(r"<td>\d\d-\d\d-\d{4} \d\d:\d\d</td>", row)
    assert len(stamps) == 2, "last log-in and creation shown"


def test_a_password_set_by_the_administrator_follows_the_cli_policy(portal_workspace, as_user):
    admin, token = _admin(as_user)
    base = {"csrf_token": token, "rol": "supplier", "leverancier": OWN_SUPPLIER}
    short = admin.post(f"{PAGE}/nieuw", data={**base, "gebruikersnaam": "ui-kort", "wachtwoord": "kort"})
    assert short.status_code == 400 and "minstens 12 tekens" in short.text
    for weak, why in (
        ("aaaaaaaaaaaa", "te makkelijk te raden"),
        ("wachtwoord123", "veelgebruikte of gelekte"),
        ("qwerty123456", "veelgebruikte of gelekte"),
    ):
        refused = admin.post(f"{PAGE}/nieuw", data={**base, "gebruikersnaam": "ui-zwak", "wachtwoord": weak})
        assert refused.status_code == 400 and why in refused.text, weak
    given = admin.post(
        f"{PAGE}/nieuw", data={**base, "gebruikersnaam": "ui-lev", "wachtwoord": "een-eigen-wachtwoord"}
    )
    assert given.status_code == 200 and not SHOWN_PASSWORD.search(given.text)
    client = make_client(portal_workspace.root)
    assert login(client, "ui-lev", "een-eigen-wachtwoord").status_code == 303
    assert client.get("/").headers["location"] == f"/leveranciers/{OWN_SUPPLIER}/leveringen"


def test_accounts_that_break_the_rules_are_refused_in_dutch(portal_workspace, as_user):
    admin, token = _admin(as_user)
    cases = [
        ({"gebruikersnaam": "ui-x", "rol": "coordinator"}, "precies één team"),
        ({"gebruikersnaam": "ui-x", "rol": "coordinator", "team": "nergens"}, "Onbekend team"),
        ({"gebruikersnaam": "ui-x", "rol": "supplier", "leverancier": "nergens"}, "Onbekende leverancier"),
        ({"gebruikersnaam": "ui-x", "rol": "baas"}, "Onbekende rol"),
        ({"gebruikersnaam": "<script>", "rol": "evaluator"}, "Een gebruikersnaam heeft"),
        ({"gebruikersnaam": "admin", "rol": "evaluator"}, "Het account admin bestaat al."),
    ]
    for form, message in cases:
        refused = admin.post(f"{PAGE}/nieuw", data={"csrf_token": token, **form})
        assert refused.status_code == 400 and message in ERROR.search(refused.text).group(1), form
    con = _state(portal_workspace)
    try:
        assert state.account_by_name(con, "ui-x") is None and state.account_by_name(con, "<script>") is None
    finally:
        con.close()


def test_deactivating_ends_the_sessions_and_reactivating_lets_the_account_in_again(portal_workspace, as_user):
    admin, token = _admin(as_user)
    admin.post(
        f"{PAGE}/nieuw",
        data={"csrf_token": token, "gebruikersnaam": "ui-eva", "rol": "evaluator", "wachtwoord": PASSWORD},
    )
    eva = make_client(portal_workspace.root)
    assert login(eva, "ui-eva").status_code == 303
    assert eva.get("/evaluatie").status_code == 200

    done = admin.post(f"{PAGE}/deactiveren", data={"csrf_token": token, "gebruikersnaam": "ui-eva", **SURE})
    assert done.status_code == 303
    assert eva.get("/evaluatie").headers["location"] == "/inloggen", "the open session has ended"
    con = _state(portal_workspace)
    try:
        account = state.account_by_name(con, "ui-eva")
        assert not account.is_active
        sessions = con.execute("select count(*) from session where account_id = ?", [account.account_id])
        assert sessions.fetchone()[0] == 0
    finally:
        con.close()
    assert login(make_client(portal_workspace.root), "ui-eva").status_code == 401

    again = admin.post(f"{PAGE}/activeren", data={"csrf_token": token, "gebruikersnaam": "ui-eva", **SURE})
    assert again.status_code == 303
    assert login(make_client(portal_workspace.root), "ui-eva").status_code == 303
    for action in ("account_gedeactiveerd", "account_geactiveerd"):
        assert ("ui-eva", "admin") in {(e["detail"], e["username"]) for e in _audit(portal_workspace, action)}

    own = admin.post(f"{PAGE}/deactiveren", data={"csrf_token": token, "gebruikersnaam": "admin", **SURE})
    assert own.status_code == 400 and "eigen account" in own.text


def test_a_password_reset_ends_the_sessions_and_only_the_new_password_works(portal_workspace, as_user):
    admin, token = _admin(as_user)
    admin.post(
        f"{PAGE}/nieuw",
        data={"csrf_token": token, "gebruikersnaam": "ui-reset", "rol": "evaluator", "wachtwoord": PASSWORD},
    )
    user = make_client(portal_workspace.root)
    assert login(user, "ui-reset").status_code == 303
    reset = admin.post(f"{PAGE}/wachtwoord", data={"csrf_token": token, "gebruikersnaam": "ui-reset", **SURE})
    assert reset.status_code == 200
    new = SHOWN_PASSWORD.search(reset.text).group(1)
    assert user.get("/evaluatie").headers["location"] == "/inloggen"
    assert login(make_client(portal_workspace.root), "ui-reset").status_code == 401
    assert login(make_client(portal_workspace.root), "ui-reset", new).status_code == 303
    (entry,) = [e for e in _audit(portal_workspace, "wachtwoord_gereset") if e["detail"] == "ui-reset"]
    assert entry["username"] == "admin" and new not in str(entry)
    short = admin.post(
        f"{PAGE}/wachtwoord",
        data={"csrf_token": token, "gebruikersnaam": "ui-reset", "wachtwoord": "kort", **SURE},
    )
    assert short.status_code == 400 and "minstens 12 tekens" in short.text


def test_an_api_token_is_shown_once_works_and_stops_working_when_revoked(portal_workspace, as_user, client):
    admin, token = _admin(as_user)
    made = admin.post(
        "/beheer/api-sleutels/nieuw",
        data={"csrf_token": token, "leverancier": OWN_SUPPLIER, "omschrijving": "ERP <koppeling>"},
    )
    assert made.status_code == 200
    api_token = SHOWN_TOKEN.search(made.text).group(1)
    assert api_token.startswith("vroeg_")
    page = admin.get(PAGE).text
    assert api_token not in page and "ERP &lt;koppeling&gt;" in page

    # A feed the supplier does not deliver: past the token check (422, not 401), nothing stored.
    files = {"bestand": ("x.csv", b"a;b\n1;2\n", "text/csv")}
    bearer = {"Authorization": f"Bearer {api_token}"}
    past_the_check = client.post("/api/leveringen/ggd_melding", files=files, headers=bearer)
    assert past_the_check.status_code == 422 and "levert geen feed" in past_the_check.json()["detail"]

    con = _state(portal_workspace)
    try:
        (token_id,) = [t["token_id"] for t in state.api_tokens(con) if t["label"] == "ERP <koppeling>"]
        assert api_token not in str(con.execute("select * from api_token").fetchall())
    finally:
        con.close()
    revoke = {"csrf_token": token, "sleutel": str(token_id), **SURE}
    revoked = admin.post("/beheer/api-sleutels/intrekken", data=revoke)
    assert revoked.status_code == 303
    assert client.post("/api/leveringen/ggd_melding", files=files, headers=bearer).status_code == 401
    again = admin.post("/beheer/api-sleutels/intrekken", data=revoke)
    assert again.status_code == 400 and "al ingetrokken" in again.text
    for action in ("api_sleutel_aangemaakt", "api_sleutel_ingetrokken"):
        assert [e for e in _audit(portal_workspace, action) if e["username"] == "admin"], action


def test_account_changes_need_the_sessions_csrf_token(portal_workspace, as_user):
    admin = as_user("admin")
    refused = admin.post(f"{PAGE}/nieuw", data={"gebruikersnaam": "ui-csrf", "rol": "evaluator"})
    assert refused.status_code == 403
    other = csrf_of(as_user("admin"), PAGE)  # another session's token
    crossed = admin.post(f"{PAGE}/deactiveren", data={"csrf_token": other, "gebruikersnaam": "evaluator"})
    assert crossed.status_code == 403
    con = _state(portal_workspace)
    try:
        assert state.account_by_name(con, "ui-csrf") is None
        assert state.account_by_name(con, "evaluator").is_active
    finally:
        con.close()
