"""Log-in per ASVS level 2: the second factor, throttling per address, equal failure times, and the
confirmation step of the administrator's destructive changes."""

from __future__ import annotations

import statistics
import time

import pyotp
from fastapi.testclient import TestClient

from portal import state
from tests.portal.conftest import CSRF, PASSWORD, TOTP_SECRET, csrf_of, login, pristine_copy

CODE_PAGE = "/inloggen/code"


def _client(root, ip: str = "10.0.0.1") -> TestClient:
    from portal.app import create_app

    return TestClient(create_app(root, secure_cookie=False), follow_redirects=False, client=(ip, 50000))


def _same_app(client: TestClient, ip: str) -> TestClient:
    """Another visitor of the same running portal (the throttle's counts are the app's)."""
    return TestClient(client.app, follow_redirects=False, client=(ip, 50001))


def _password_step(client: TestClient, username: str, password: str = PASSWORD):
    token = CSRF.search(client.get("/inloggen").text).group(1)
    return client.post("/inloggen", data={"username": username, "password": password, "csrf_token": token})


def _code_step(client: TestClient, code: str):
    token = CSRF.search(client.get(CODE_PAGE).text).group(1)
    return client.post(CODE_PAGE, data={"code": code, "csrf_token": token})


def test_the_password_alone_opens_no_page_and_a_code_is_accepted_once(portal_workspace, tmp_path_factory):
    root = pristine_copy(portal_workspace, tmp_path_factory, "auth-code")
    client = _client(root)
    first = _password_step(client, "evaluator")
    assert first.status_code == 303 and first.headers["location"] == CODE_PAGE
    half_made = client.cookies.get("vroeg_sessie")
    assert client.get("/evaluatie").headers["location"] == "/inloggen", "no page before the code"
    wrong = _code_step(client, "000000" if pyotp.TOTP(TOTP_SECRET).now() != "000000" else "111111")
    assert wrong.status_code == 401 and "klopt niet" in wrong.text
    code = pyotp.TOTP(TOTP_SECRET).now()
    done = _code_step(client, code)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.cookies.get("vroeg_sessie") != half_made, "a fresh session id after the second factor"
    assert client.get("/evaluatie").status_code == 200

    replay = _client(root, "10.0.0.2")
    assert _password_step(replay, "evaluator").status_code == 303
    again = _code_step(replay, code)
    assert again.status_code == 401, "the same code is not accepted twice"
    con = state.open_state(root / "portal.sqlite")
    actions = [e["action"] for e in state.audit_entries(con, username="evaluator")]
    con.close()
    assert actions.count("inlogcode_mislukt") == 2 and "ingelogd" in actions


def test_too_many_wrong_codes_end_the_half_made_login(portal_workspace, tmp_path_factory):
    root = pristine_copy(portal_workspace, tmp_path_factory, "auth-codes")
    client = _client(root)
    assert _password_step(client, "coord-own").status_code == 303
    good = pyotp.TOTP(TOTP_SECRET)
    wrong = next(c for c in ("123456", "654321", "111111") if good.verify(c, valid_window=1) is False)
    answers = [_code_step(client, wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [401] * 5
    assert "Te veel verkeerde codes" in answers[-1].text
    assert client.get(CODE_PAGE).headers["location"] == "/inloggen"


def test_an_attacker_from_one_address_cannot_keep_the_user_out_from_another(
    portal_workspace, tmp_path_factory
):
    root = pristine_copy(portal_workspace, tmp_path_factory, "auth-throttle")
    attacker = _client(root, "203.0.113.7")
    for _ in range(6):
        assert _password_step(attacker, "coord-own", "geraden-wachtwoord").status_code == 401
    throttled = _password_step(attacker, "coord-own")  # even the right password: wait first
    assert throttled.status_code == 401
    assert "niet gelukt" in throttled.text and "bestaat" not in throttled.text
    user = _same_app(attacker, "192.0.2.10")
    assert login(user, "coord-own").headers["location"] == "/"
    con = state.open_state(root / "portal.sqlite")
    entries = state.audit_entries(con, username="coord-own")
    con.close()
    assert {e["ip"] for e in entries if e["action"] == "inloggen_vertraagd"} == {"203.0.113.7"}


def test_every_login_failure_takes_the_same_time(portal_workspace, tmp_path_factory):
    """Unknown user, wrong password, throttled: the medians differ by less than 0.15 s."""
    root = pristine_copy(portal_workspace, tmp_path_factory, "auth-timing")
    client = _client(root, "198.51.100.1")
    for _ in range(5):  # throttle (coord-other, this address) for the third kind
        _password_step(client, "coord-other", "nog-een-verkeerd-wachtwoord")
    kinds = {
        "unknown user": ("niemand-bekend", PASSWORD),
        "wrong password": ("evaluator", "een-verkeerd-wachtwoord"),
        "throttled": ("coord-other", PASSWORD),
    }
    medians = {}
    for kind, (username, password) in kinds.items():
        times = []
        for _ in range(3):
            token = CSRF.search(client.get("/inloggen").text).group(1)
            started = time.monotonic()
            response = client.post(
                "/inloggen", data={"username": username, "password": password, "csrf_token": token}
            )
            times.append(time.monotonic() - started)
            assert response.status_code == 401, kind
        medians[kind] = statistics.median(times)
    assert min(medians.values()) >= 0.7, medians
    assert max(medians.values()) - min(medians.values()) < 0.15, medians


def test_destructive_changes_take_a_confirmation_and_a_post_without_it_does_nothing(
    portal_workspace, tmp_path_factory
):
    root = pristine_copy(portal_workspace, tmp_path_factory, "auth-confirm")
    admin = _client(root)
    assert login(admin, "admin").headers["location"] == "/"
    token = csrf_of(admin, "/beheer/accounts")
    for path in (
        "/beheer/accounts/deactiveren",
        "/beheer/accounts/wachtwoord",
        "/beheer/accounts/tweede-factor",
    ):
        unconfirmed = admin.post(path, data={"csrf_token": token, "gebruikersnaam": "evaluator"})
        assert unconfirmed.status_code == 303
        assert unconfirmed.headers["location"] == f"{path}?gebruikersnaam=evaluator"
        page = admin.get(unconfirmed.headers["location"])
        assert (
            page.status_code == 200
            and 'name="bevestigd" value="ja"' in page.text
            and "evaluator" in page.text
        )
    con = state.open_state(root / "portal.sqlite")
    evaluator = state.account_by_name(con, "evaluator")
    con.close()
    assert evaluator.is_active and evaluator.has_second_factor
    assert login(_client(root, "10.0.0.3"), "evaluator").headers["location"] == "/", "password unchanged"

    reset = admin.post(
        "/beheer/accounts/tweede-factor",
        data={"csrf_token": token, "gebruikersnaam": "evaluator", "bevestigd": "ja"},
    )
    assert reset.status_code == 200 and "gewist" in reset.text
    again = _password_step(_client(root, "10.0.0.4"), "evaluator")
    assert again.headers["location"] == "/inloggen/instellen", "sets a new second factor up"
    con = state.open_state(root / "portal.sqlite")
    (entry,) = [e for e in state.audit_entries(con) if e["action"] == "tweede_factor_gereset"]
    con.close()
    assert entry["username"] == "admin" and entry["detail"] == "evaluator"


def test_the_second_factor_is_required_for_other_roles_only_when_configured(
    portal_workspace, tmp_path_factory, monkeypatch
):
    from portal import security_config

    root = pristine_copy(portal_workspace, tmp_path_factory, "auth-optional")
    con = state.open_state(root / "portal.sqlite")
    for name in ("evaluator", "admin"):
        state.set_totp_secret(con, state.account_by_name(con, name).account_id, None)
    con.close()
    config = security_config.security_config()
    optional = config.model_copy(
        update={"second_factor": config.second_factor.model_copy(update={"required_for_all_roles": False})}
    )
    monkeypatch.setattr(security_config, "security_config", lambda: optional)
    monkeypatch.setattr("portal.login.security_config", lambda: optional)
    assert _password_step(_client(root), "evaluator").headers["location"] == "/"
    assert _password_step(_client(root), "admin").headers["location"] == "/inloggen/instellen"
