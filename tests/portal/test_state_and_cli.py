"""The portal's SQLite state on its own: the nightly loader, log-in lockout, the CLI commands."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portal import state
from signals.registrations import RegistrationError, ddas_vocabulary, load_portal_registrations
from warehouse.migrate import migrate
from warehouse.store import connect


@pytest.fixture
def warehouse(tmp_path: Path):
    con = connect(tmp_path / "w.duckdb")
    migrate(con)
    con.execute(
        "insert into reg_contact_attempt "
        "values ('import', '1501FI-12', 'oostzaan', '2026-01-02', ?, true, null, null)",
        [ddas_vocabulary()["EnumContactsoort"][0]],
    )
    yield con
    con.close()


def _attempt(con, soort: str, day: date = date(2026, 3, 4)) -> None:
    state.add_contact_attempt(
        con,
        wijkteam="oostzaan",
        household_id="hh-1",
        address_key="1501FI-14-A",
        contact_date=day,
        soort=soort,
        is_reached=True,
        dagdeel=ddas_vocabulary()["EnumDagdeel"][0],
        registered_by="c",
    )


def test_the_loader_replaces_portal_rows_and_leaves_imported_ones(tmp_path, warehouse):
    path = tmp_path / "portal.sqlite"
    assert load_portal_registrations(warehouse, path) is None, "no portal: nothing touched"
    con = state.open_state(path)
    _attempt(con, ddas_vocabulary()["EnumContactsoort"][1])
    state.add_case_result(
        con,
        wijkteam="oostzaan",
        household_id="hh-1",
        address_key="1501FI-14-A",
        result_date=date(2026, 3, 5),
        eindresultaat=ddas_vocabulary()["EnumEindresultaat"][0],
        registered_by="c",
    )
    assert load_portal_registrations(warehouse, path) == (1, 1)
    _attempt(con, ddas_vocabulary()["EnumContactsoort"][0], date(2026, 3, 6))
    con.close()
    assert load_portal_registrations(warehouse, path) == (2, 1)  # taken in again, not doubled
    rows = warehouse.execute(
        "select source, address_key, contact_date, is_reached, registered_at is not null "
        "from reg_contact_attempt order by source, contact_date"
    ).fetchall()
    assert rows == [
        ("import", "1501FI-12", date(2026, 1, 2), True, False),
        ("portal", "1501FI-14-A", date(2026, 3, 4), True, True),
        ("portal", "1501FI-14-A", date(2026, 3, 6), True, True),
    ]
    assert warehouse.execute("select count(*) from reg_case_result where source = 'portal'").fetchall() == [
        (1,)
    ]


def test_the_loader_leaves_out_what_the_team_withdrew(tmp_path, warehouse):
    path = tmp_path / "portal.sqlite"
    con = state.open_state(path)
    _attempt(con, ddas_vocabulary()["EnumContactsoort"][0], date(2026, 3, 4))
    _attempt(con, ddas_vocabulary()["EnumContactsoort"][1], date(2026, 3, 9))
    mistaken = con.execute("select max(attempt_id) from contact_attempt").fetchone()[0]
    state.add_withdrawal(
        con,
        kind="contact_attempt",
        registration_id=mistaken,
        wijkteam="oostzaan",
        household_id="hh-1",
        reason="verkeerd adres",
        by="c",
    )
    with pytest.raises(KeyError):  # another team's household: not this team's to withdraw
        state.add_withdrawal(
            con,
            kind="contact_attempt",
            registration_id=mistaken - 1,
            wijkteam="zaanstad-poelenburg",
            household_id="hh-1",
            reason="niet van ons",
            by="c",
        )
    con.close()
    assert load_portal_registrations(warehouse, path) == (1, 0)
    portal_rows = "select contact_date from reg_contact_attempt where source = 'portal'"
    assert warehouse.execute(portal_rows).fetchall() == [(date(2026, 3, 4),)]


def test_the_loader_reads_a_portal_file_from_before_withdrawals(tmp_path, warehouse):
    path = tmp_path / "portal.sqlite"
    con = state.open_state(path)
    _attempt(con, ddas_vocabulary()["EnumContactsoort"][0])
    con.execute("drop table withdrawal")
    con.close()
    assert load_portal_registrations(warehouse, path) == (1, 0)


def test_the_loader_refuses_values_outside_the_ddas_vocabulary(tmp_path, warehouse):
    path = tmp_path / "portal.sqlite"
    con = state.open_state(path)
    _attempt(con, "postduif")  # the portal refuses this; someone wrote the file by hand
    con.close()
    with pytest.raises(RegistrationError, match="postduif"):
        load_portal_registrations(warehouse, path)


def test_five_failed_logins_lock_the_account_for_a_while(tmp_path):
    from portal.security import authenticate, hash_password

    con = state.open_state(tmp_path / "portal.sqlite")
    state.add_account(con, "anna", "evaluator", hash_password("het-goede-wachtwoord"))
    assert authenticate(con, "anna", "het-goede-wachtwoord", "10.0.0.1") is not None
    for _ in range(5):
        assert authenticate(con, "anna", "fout-wachtwoord-123", "10.0.0.1") is None
    assert authenticate(con, "anna", "het-goede-wachtwoord", "10.0.0.1") is None
    actions = [e["action"] for e in state.audit_entries(con)]
    assert actions.count("inloggen_mislukt") == 5 and actions[0] == "inloggen_geblokkeerd"
    stored = con.execute("select password_hash from account").fetchone()[0]
    assert stored.startswith("$argon2id$") and "het-goede" not in stored
    con.close()


def test_cli_adds_accounts_and_tokens_that_work(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from cli.main import app
    from portal.app import create_app
    from tests.portal.conftest import login

    runner = CliRunner()
    monkeypatch.setenv("VROEG_PORTAL_PASSWORD", "een-wachtwoord-van-de-cli")
    ws = ["--workspace", str(tmp_path)]
    added = runner.invoke(
        app, ["portal", "user", "add", "--role", "coordinator", "--team", "zaanstad-poelenburg", "coen", *ws]
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(
        app, ["portal", "user", "add", "--role", "coordinator", "--team", "zaanstad-poelenburg", "coen", *ws]
    )
    assert again.exit_code == 1 and "bestaat al" in again.output
    no_team = runner.invoke(app, ["portal", "user", "add", "--role", "coordinator", "zonder", *ws])
    assert no_team.exit_code != 0
    wrong_team = runner.invoke(
        app, ["portal", "user", "add", "--role", "coordinator", "--team", "nergens", "x", *ws]
    )
    assert wrong_team.exit_code != 0
    monkeypatch.setenv("VROEG_PORTAL_PASSWORD", "kort")
    short = runner.invoke(app, ["portal", "user", "add", "--role", "evaluator", "eva", *ws])
    assert short.exit_code == 1 and "minstens 12 tekens" in short.output

    client = TestClient(create_app(tmp_path, secure_cookie=False), follow_redirects=False)
    assert login(client, "coen", "een-wachtwoord-van-de-cli").status_code == 303
    assert client.get("/").headers["location"] == "/teams/zaanstad-poelenburg/lijst"

    made = runner.invoke(app, ["portal", "token", "add", "--supplier", "zaanoever", *ws])
    assert made.exit_code == 0, made.output
    token = re.search(r"vroeg_[A-Za-z0-9_\-]{40,}", made.output).group(0)
    con = state.open_state(tmp_path / "portal.sqlite")
    try:
        assert state.token_supplier(con, token) == ("zaanoever", "api")
        assert token not in str(con.execute("select * from api_token").fetchall())
    finally:
        con.close()
