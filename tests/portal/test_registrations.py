"""Registrations: the round trip into the warehouse, validation, CSRF, and the audit trail."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta

import duckdb

from portal import state
from signals.registrations import ddas_vocabulary
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import OWN_TEAM, csrf_of, run_nightly


def _audit(ws, **where) -> list[dict]:
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        return [
            e for e in state.audit_entries(con, limit=100_000) if all(e[k] == v for k, v in where.items())
        ]
    finally:
        con.close()


def test_registrations_round_trip_into_the_warehouse_with_source_portal(portal_workspace, as_user, tmp_path):
    ws, h = portal_workspace, portal_workspace.household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    vocab = ddas_vocabulary()
    soort, dagdeel, result = (
        vocab["EnumContactsoort"][0],
        vocab["EnumDagdeel"][0],
        vocab["EnumEindresultaat"][0],
    )
    day = min(date.today(), TINY_AS_OF) - timedelta(days=3)
    attempt = client.post(
        f"{page}/contactpoging",
        data={
            "datum": day.isoformat(),
            "soort": soort,
            "bereikt": "ja",
            "dagdeel": dagdeel,
            "csrf_token": token,
        },
    )
    assert attempt.status_code == 303 and attempt.headers["location"] == page
    outcome = client.post(
        f"{page}/resultaat", data={"datum": day.isoformat(), "eindresultaat": result, "csrf_token": token}
    )
    assert outcome.status_code == 303

    reloaded = client.get(page).text
    assert f"contactpoging: {soort}, bereikt, {dagdeel}" in reloaded
    assert f"eindresultaat: {result}" in reloaded
    assert day.strftime("%d-%m-%Y") in reloaded
    assert _audit(ws, action="contactpoging_geregistreerd", household_id=h, username="coord-own")
    assert _audit(ws, action="resultaat_geregistreerd", household_id=h, team_code=OWN_TEAM)

    # The next nightly run (on a copy: the other tests keep the first run's lists) takes them in.
    copy = tmp_path / "ws"
    shutil.copytree(ws.root, copy)
    run_nightly(copy)
    wh = duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True)
    try:
        address = wh.execute("select address_key from fct_list_entry where household_id = ?", [h]).fetchall()[
            0
        ][0]
        attempts = wh.execute(
            "select address_key, wijkteam, contact_date, soort, is_reached, dagdeel from reg_contact_attempt "
            "where source = 'portal'"
        ).fetchall()
        results = wh.execute(
            "select address_key, wijkteam, result_date, eindresultaat from reg_case_result "
            "where source = 'portal'"
        ).fetchall()
        imported = wh.execute("select count(*) from reg_contact_attempt where source = 'import'").fetchall()[
            0
        ][0]
    finally:
        wh.close()
    assert (address, OWN_TEAM, day, soort, True, dagdeel) in attempts
    assert (address, OWN_TEAM, day, result) in results
    assert imported > 0, "the previous system's registrations are kept next to the portal's"


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(portal_workspace, as_user):
    h = portal_workspace.household
    client = as_user("coord-own")
    form = {"medewerker": "Zonder Token"}
    assert client.post(f"/teams/{OWN_TEAM}/huishoudens/{h}/toewijzing", data=form).status_code == 403
    wrong = client.post(
        f"/teams/{OWN_TEAM}/huishoudens/{h}/toewijzing", data={**form, "csrf_token": "x" * 43}
    )
    assert wrong.status_code == 403
    assert "Zonder Token" not in client.get(f"/teams/{OWN_TEAM}/huishoudens/{h}").text
    # Another session's token is no good either.
    other_token = csrf_of(as_user("coord-own"), f"/teams/{OWN_TEAM}/lijst")
    crossed = client.post(
        f"/teams/{OWN_TEAM}/huishoudens/{h}/toewijzing", data={**form, "csrf_token": other_token}
    )
    assert crossed.status_code == 403
    # Log-out is a POST as well.
    assert client.post("/uitloggen").status_code == 403


def test_the_login_form_needs_its_token_too(client):
    response = client.post(
        "/inloggen", data={"username": "admin", "password": "x", "csrf_token": "zelfbedacht"}
    )
    assert response.status_code == 403


def test_values_outside_the_ddas_vocabulary_and_overrides_without_reason_are_refused(
    portal_workspace, as_user
):
    h = portal_workspace.household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    wrong = client.post(
        f"{page}/contactpoging",
        data={"datum": "2026-10-01", "soort": "postduif", "bereikt": "ja", "csrf_token": token},
    )
    assert wrong.status_code == 400 and "Kies een soort contact uit de lijst." in wrong.text
    future = client.post(
        f"{page}/resultaat",
        data={
            "datum": (date.today() + timedelta(days=2)).isoformat(),
            "eindresultaat": "x",
            "csrf_token": token,
        },
    )
    assert future.status_code == 400 and "toekomst" in future.text
    no_reason = client.post(
        f"{page}/prioriteit", data={"prioriteit": "crisis", "reden": " ", "csrf_token": token}
    )
    assert no_reason.status_code == 400 and "Geef een reden" in no_reason.text
    con = state.open_state(portal_workspace.root / "portal.sqlite")
    try:
        assert not con.execute("select count(*) from contact_attempt where soort = 'postduif'").fetchone()[0]
        assert not con.execute("select count(*) from tier_override where household_id = ?", [h]).fetchone()[0]
    finally:
        con.close()


def test_an_override_with_a_reason_and_an_assignment_show_on_the_list(portal_workspace, as_user):
    h = portal_workspace.household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    reason = "Buurtwerker meldt <acute> zorgen"
    done = client.post(
        f"{page}/prioriteit", data={"prioriteit": "crisis", "reden": reason, "csrf_token": token}
    )
    assert done.status_code == 303
    assert (
        client.post(
            f"{page}/toewijzing", data={"medewerker": "<b>Fatma</b>", "csrf_token": token}
        ).status_code
        == 303
    )
    listing = client.get(f"/teams/{OWN_TEAM}/lijst").text
    assert "aangepast naar <strong>crisis</strong>: Buurtwerker meldt &lt;acute&gt; zorgen" in listing
    assert "&lt;b&gt;Fatma&lt;/b&gt;" in listing and "<b>Fatma</b>" not in listing
    assert _audit(portal_workspace, action="prioriteit_aangepast", household_id=h)


def test_every_view_and_export_of_personal_data_is_in_the_audit_log(portal_workspace, as_user):
    ws, h = portal_workspace, portal_workspace.household
    client = as_user("coord-own")
    before = len(_audit(ws))
    client.get(f"/teams/{OWN_TEAM}/lijst")
    client.get(f"/teams/{OWN_TEAM}/huishoudens/{h}")
    export = client.get(f"/teams/{OWN_TEAM}/lijst.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert "attachment" in export.headers["content-disposition"]
    entries = _audit(ws)[: len(_audit(ws)) - before]  # newest first
    by_action = {e["action"]: e for e in entries if e["username"] == "coord-own"}
    for action in ("lijst_bekeken", "huishouden_bekeken", "lijst_geexporteerd"):
        entry = by_action[action]
        assert entry["team_code"] == OWN_TEAM and entry["role"] == "coordinator"
        assert entry["as_of_date"] == TINY_AS_OF.isoformat() and entry["run_id"]
        assert entry["ip"] and entry["at"]
    assert by_action["huishouden_bekeken"]["household_id"] == h
    # The administrator reads it, and that reading is logged as well.
    admin = as_user("admin")
    page = admin.get(f"/beheer/audit?huishouden={h}")
    assert "huishouden_bekeken" in page.text and "coord-own" in page.text
    assert _audit(ws, action="auditlog_bekeken", username="admin")


def test_the_audit_log_and_registrations_cannot_be_changed_or_erased(portal_workspace):
    con = state.open_state(portal_workspace.root / "portal.sqlite")
    who = {"wijkteam": OWN_TEAM, "household_id": portal_workspace.other_household}
    try:
        # One row in each table, so the triggers have something to refuse.
        state.audit(con, "test")
        state.add_contact_attempt(
            con,
            **who,
            address_key="x",
            contact_date=date(2026, 1, 5),
            soort=ddas_vocabulary()["EnumContactsoort"][0],
            is_reached=False,
            dagdeel=None,
            registered_by="test",
        )
        state.add_case_result(
            con,
            **who,
            address_key="x",
            result_date=date(2026, 1, 5),
            eindresultaat=ddas_vocabulary()["EnumEindresultaat"][0],
            registered_by="test",
        )
        state.add_assignment(con, **who, worker="test", by="test")
        state.add_tier_override(
            con, **who, as_of=date(2026, 1, 5), tier="hoog", reason="test reden", by="test"
        )
        for table in state.APPEND_ONLY:
            for statement in (f"update {table} set rowid = rowid", f"delete from {table}"):  # noqa: S608
                try:
                    con.execute(statement)
                except sqlite3.DatabaseError as exc:
                    assert "append-only" in str(exc)
                else:
                    raise AssertionError(f"{statement} was allowed")
    finally:
        con.close()
