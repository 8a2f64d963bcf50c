"""Every refusal and failure of a page is a Dutch page inside the site's navigation, with its status.

A workspace without a warehouse is enough: the error pages need only portal.sqlite and the accounts.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from portal import state
from portal.security import hash_password
from tests.portal.conftest import CSRF, OWN_TEAM, PASSWORD, login

COORDINATOR_NAV = f'href="/teams/{OWN_TEAM}/lijst"'
ENGLISH = ("Not Found", "Forbidden", "Internal Server Error", '"detail"', "Field required", "Method Not")
SECRET = "123456789"  # a BSN-like value that must never reach a page or the log


@pytest.fixture
def workspace(tmp_path):
    con = state.open_state(tmp_path / "portal.sqlite")
    password_hash = hash_password(PASSWORD)
    state.add_account(con, "coord", "coordinator", password_hash, team_code=OWN_TEAM)
    state.add_account(con, "admin", "administrator", password_hash)
    con.close()
    return tmp_path


def _client(root, **kwargs) -> TestClient:
    from portal.app import create_app

    app = create_app(root, secure_cookie=False)

    @app.get("/stuk")
    def broken():
        raise RuntimeError(f"household {SECRET} has no address")

    return TestClient(app, follow_redirects=False, **kwargs)


def _as(root, username: str, **kwargs) -> TestClient:
    client = _client(root, **kwargs)
    assert login(client, username).status_code == 303
    return client


def _dutch_page(response, status: int, sentence: str) -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY", "an error page carries the security headers"
    text = response.text
    assert '<html lang="nl">' in text and sentence in text
    for english in ENGLISH:
        assert english not in text, english
    return text


def test_an_unknown_address_is_a_dutch_404_with_the_navigation(workspace):
    text = _dutch_page(_as(workspace, "coord").get("/bestaat/niet"), 404, "Deze pagina bestaat niet")
    assert COORDINATOR_NAV in text and "Uitloggen" in text and "Niet gevonden" in text
    # Anonymous: no navigation of a role, but a way to log in.
    anonymous = _dutch_page(_client(workspace).get("/bestaat/niet"), 404, "Deze pagina bestaat niet")
    assert 'href="/inloggen"' in anonymous and "Uitloggen" not in anonymous
    assert COORDINATOR_NAV not in anonymous


def test_a_page_of_another_role_is_a_dutch_403_with_the_own_navigation(workspace):
    text = _dutch_page(_as(workspace, "coord").get("/beheer/audit"), 403, "U heeft geen toegang")
    assert COORDINATOR_NAV in text and 'href="/beheer/audit"' not in text
    admin = _dutch_page(_as(workspace, "admin").get(f"/teams/{OWN_TEAM}/lijst"), 403, "geen toegang")
    assert 'href="/beheer/audit"' in admin


def test_an_invalid_form_or_query_is_a_dutch_422_that_echoes_nothing(workspace):
    client = _client(workspace)
    token = CSRF.search(client.get("/inloggen").text).group(1)
    too_long = client.post("/inloggen", data={"username": SECRET * 20, "password": "x", "csrf_token": token})
    text = _dutch_page(too_long, 422, "niet goed ingevuld")
    assert SECRET not in text
    missing = client.post("/inloggen", data={"csrf_token": token})
    _dutch_page(missing, 422, "niet goed ingevuld")
    logged_in = _dutch_page(_as(workspace, "admin").get("/evaluatie?jaar=abc"), 422, "niet goed ingevuld")
    assert 'href="/beheer/audit"' in logged_in


def test_a_too_large_form_is_a_dutch_413_page_and_the_connection_closes(workspace):
    client = _as(workspace, "coord")
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = client.post("/uitloggen", content=b"csrf_token=" + b"a" * 200_000, headers=form)
    text = _dutch_page(response, 413, "Het verzoek is te groot.")
    assert COORDINATOR_NAV in text and response.headers["connection"] == "close"


def test_a_failure_is_a_dutch_500_without_the_exception_and_logged_without_values(workspace, caplog):
    client = _as(workspace, "coord", raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="portal"):
        response = client.get("/stuk", params={"bsn": SECRET})
    text = _dutch_page(response, 500, "Er ging aan onze kant iets mis")
    assert COORDINATOR_NAV in text
    assert SECRET not in text and "RuntimeError" not in text and "Traceback" not in text
    (record,) = [r for r in caplog.records if r.name == "portal"]
    logged = record.getMessage()
    assert "RuntimeError" in logged and "/stuk" in logged and "broken" in logged
    assert SECRET not in logged and record.exc_info is None


def test_the_supplier_api_keeps_answering_in_json(workspace):
    client = _client(workspace)
    refused = client.post("/api/leveringen/overlast", files={"bestand": ("x.csv", b"a", "text/csv")})
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/json"
    unknown = client.get("/api/bestaat-niet")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Not Found"}
