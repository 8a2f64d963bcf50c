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


def test_failed_logins_slow_down_that_address_only_never_lock_the_account(tmp_path):
    from portal.security import authenticate, hash_password
    from portal.security_config import security_config
    from portal.throttle import LoginThrottle

    con = state.open_state(tmp_path / "portal.sqlite")
    state.add_account(con, "anna", "evaluator", hash_password("het-goede-wachtwoord"))
    throttle = LoginThrottle(security_config().login)
    assert authenticate(con, "anna", "het-goede-wachtwoord", "10.0.0.1", throttle) is not None
    for _ in range(5):  # the first line of failures_per_account_and_ip: 5 per minute
        assert authenticate(con, "anna", "fout-wachtwoord-123", "10.0.0.1", throttle) is None
    # the attacker's address must wait, even with the right password ...
    assert authenticate(con, "anna", "het-goede-wachtwoord", "10.0.0.1", throttle) is None
    # ... but anna herself, from her own address, gets in
    assert authenticate(con, "anna", "het-goede-wachtwoord", "10.0.0.2", throttle) is not None
    actions = [e["action"] for e in state.audit_entries(con)]
    assert actions.count("inloggen_mislukt") == 5 and actions.count("inloggen_vertraagd") == 1
    stored = con.execute("select password_hash from account").fetchone()[0]
    assert stored.startswith("$argon2id$") and "het-goede" not in stored
    con.close()


def test_an_address_that_fails_for_many_accounts_is_slowed_down_for_all(tmp_path):
    from portal.security import authenticate, hash_password
    from portal.security_config import LoginConfig
    from portal.throttle import LoginThrottle

    con = state.open_state(tmp_path / "portal.sqlite")
    state.add_account(con, "anna", "evaluator", hash_password("het-goede-wachtwoord"))
    config = LoginConfig(
        failures_per_account_and_ip=("5/minute",), failures_per_ip=("3/minute",), failure_response_seconds=0.1
    )
    throttle = LoginThrottle(config)
    for name in ("bert", "carla", "dirk"):  # unknown names count for the address too
        assert authenticate(con, name, "raden-raden-raden", "10.0.0.9", throttle) is None
    assert throttle.is_throttled("anna", "10.0.0.9") and not throttle.is_throttled("anna", "10.0.0.2")
    assert authenticate(con, "anna", "het-goede-wachtwoord", "10.0.0.9", throttle) is None
    assert authenticate(con, "anna", "het-goede-wachtwoord", "10.0.0.2", throttle) is not None
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
    for weak, why in (
        ("aaaaaaaaaaaa", "te makkelijk te raden"),
        ("wachtwoord123", "veelgebruikte of gelekte"),
        ("qwerty123456", "veelgebruikte of gelekte"),
    ):
        monkeypatch.setenv("VROEG_PORTAL_PASSWORD", weak)
        refused = runner.invoke(app, ["portal", "user", "add", "--role", "evaluator", "eva", *ws])
        assert refused.exit_code == 1 and why in refused.output, (weak, refused.output)
    con = state.open_state(tmp_path / "portal.sqlite")
    assert state.account_by_name(con, "eva") is None
    con.close()
    monkeypatch.setenv("VROEG_PORTAL_PASSWORD", "een-wachtwoord-van-de-cli")

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


# The withdrawal and tier_override tables as portal files made before the lanes have them.
BEFORE_LANES = """
create table tier_override (
    override_id     integer primary key,
    wijkteam        text not null,
    household_id    text not null,
    as_of_date      text not null,
    tier            text not null check (tier in ('crisis', 'hoog', 'normaal')),
    reason          text not null check (length(trim(reason)) > 0),
    overridden_at   text not null,
    overridden_by   text not null
);
create table withdrawal (
    withdrawal_id   integer primary key,
    kind            text not null
                    check (kind in ('contact_attempt', 'case_result', 'assignment', 'tier_override')),
    registration_id integer not null,
    wijkteam        text not null,
    household_id    text not null,
    reason          text not null check (length(trim(reason)) > 0),
    withdrawn_at    text not null,
    withdrawn_by    text not null,
    unique (kind, registration_id)
);
create trigger tier_override_no_update before update on tier_override
begin select raise(abort, 'tier_override is append-only'); end;
create trigger tier_override_no_delete before delete on tier_override
begin select raise(abort, 'tier_override is append-only'); end;
create trigger withdrawal_no_update before update on withdrawal
begin select raise(abort, 'withdrawal is append-only'); end;
create trigger withdrawal_no_delete before delete on withdrawal
begin select raise(abort, 'withdrawal is append-only'); end;
insert into tier_override values
    (1, 'oostzaan', 'hh-1', '2026-10-31', 'crisis', 'Acute zorgen', '2026-10-31T09:00:00+00:00', 'c'),
    (2, 'oostzaan', 'hh-1', '2026-10-31', 'hoog', 'Toch niet acuut', '2026-10-31T10:00:00+00:00', 'c');
insert into withdrawal values
    (7, 'tier_override', 2, 'oostzaan', 'hh-1', 'Per vergissing', '2026-10-31T11:00:00+00:00', 'c');
"""


def test_a_portal_file_from_before_the_lanes_is_migrated_in_place_keeping_its_history(tmp_path):
    import sqlite3

    path = tmp_path / "portal.sqlite"
    old = sqlite3.connect(path)
    old.executescript(BEFORE_LANES)
    old.close()

    con = state.open_state(path)
    try:
        # The withdrawal rows are kept, ids and all; the widened CHECK takes lane overrides.
        assert [
            tuple(r) for r in con.execute("select withdrawal_id, kind, registration_id from withdrawal")
        ] == [(7, "tier_override", 2)]
        override = state.add_lane_override(
            con,
            wijkteam="oostzaan",
            household_id="hh-1",
            as_of=date(2026, 10, 31),
            lane="acuut",
            reason="Zorgen van de buurtwerker",
            by="c",
        )
        assert state.add_withdrawal(
            con,
            kind="lane_override",
            registration_id=override,
            wijkteam="oostzaan",
            household_id="hh-1",
            reason="Per vergissing",
            by="c",
        )
        with pytest.raises(KeyError):  # the old tier overrides are history: not withdrawn any more
            state.add_withdrawal(
                con,
                kind="tier_override",
                registration_id=1,
                wijkteam="oostzaan",
                household_id="hh-1",
                reason="Te laat",
                by="c",
            )
        with pytest.raises(sqlite3.IntegrityError):  # only the lanes of rules/lanes.yaml
            state.add_lane_override(
                con,
                wijkteam="oostzaan",
                household_id="hh-1",
                as_of=date(2026, 10, 31),
                lane="crisis",
                reason="Een oude prioriteit",
                by="c",
            )
        # Still append-only, the rebuilt table and the history alike.
        for table in ("withdrawal", "tier_override", "lane_override"):
            for statement in (f"update {table} set rowid = rowid", f"delete from {table}"):  # noqa: S608
                with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                    con.execute(statement)
        history = state.household_registrations(con, "oostzaan", "hh-1")
        assert [(o["tier"], o["withdrawn_reason"]) for o in history["tier_overrides"]] == [
            ("hoog", "Per vergissing"),
            ("crisis", None),
        ]
        assert [o["lane"] for o in history["overrides"]] == ["acuut"]
        assert state.team_marks(con, "oostzaan", date(2026, 10, 31)) == {}, "withdrawn; tiers do not count"
        definition = con.execute("select sql from sqlite_master where name = 'withdrawal'").fetchone()[0]
    finally:
        con.close()
    # Opened again: the table is what it should be, so nothing is rebuilt a second time.
    con = state.open_state(path)
    try:
        assert (
            con.execute("select sql from sqlite_master where name = 'withdrawal'").fetchone()[0] == definition
        )
        assert con.execute("select count(*) from withdrawal").fetchone()[0] == 2
    finally:
        con.close()


def test_a_new_portal_file_has_no_tier_overrides_and_shows_none(tmp_path):
    con = state.open_state(tmp_path / "portal.sqlite")
    try:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
        assert "lane_override" in tables and "tier_override" not in tables
        assert state.household_registrations(con, "oostzaan", "hh-1")["tier_overrides"] == []
    finally:
        con.close()
