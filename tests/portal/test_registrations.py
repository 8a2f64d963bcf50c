"""Registrations: the round trip into the warehouse, validation, CSRF, and the audit trail."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta

import duckdb

from portal import state
from signals.registrations import ddas_vocabulary
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import OTHER_TEAM, OWN_TEAM, csrf_of, run_nightly


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
    assert (
        attempt.status_code == 303
        and attempt.headers["location"] == f"{page}?opgeslagen=contactpoging#registreren"
    )
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
    no_reason = client.post(f"{page}/baan", data={"baan": "acuut", "reden": " ", "csrf_token": token})
    assert no_reason.status_code == 400 and "Geef een reden" in no_reason.text
    old_tier = client.post(
        f"{page}/baan", data={"baan": "crisis", "reden": "Een reden van genoeg tekens", "csrf_token": token}
    )
    assert old_tier.status_code == 400 and "Kies een baan uit de lijst." in old_tier.text
    assert client.post(f"{page}/prioriteit", data={"csrf_token": token}).status_code in (404, 405)
    con = state.open_state(portal_workspace.root / "portal.sqlite")
    try:
        assert not con.execute("select count(*) from contact_attempt where soort = 'postduif'").fetchone()[0]
        assert not con.execute("select count(*) from lane_override where household_id = ?", [h]).fetchone()[0]
    finally:
        con.close()


def _last_household(ws) -> str:
    """The own team's last household: not the one the other tests register for."""
    wh = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        return wh.execute(
            "select household_id from fct_list_entry where as_of_date = ? and wijkteam = ? "
            "order by rank desc limit 1",
            [TINY_AS_OF, OWN_TEAM],
        ).fetchall()[0][0]
    finally:
        wh.close()


def test_a_lane_override_with_a_reason_and_an_assignment_show_on_the_list_escaped(portal_workspace, as_user):
    ws = portal_workspace
    h = _last_household(ws)
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    reason = "Buurtwerker meldt <acute> zorgen"
    done = client.post(f"{page}/baan", data={"baan": "acuut", "reden": reason, "csrf_token": token})
    assert done.status_code == 303
    override = _latest(ws, "lane_override", "override_id")
    try:
        assert (
            client.post(
                f"{page}/toewijzing", data={"medewerker": "<b>Fatma</b>", "csrf_token": token}
            ).status_code
            == 303
        )
        listing = client.get(f"/teams/{OWN_TEAM}/lijst").text
        assert "verplaatst naar Acuut: Buurtwerker meldt &lt;acute&gt; zorgen" in listing
        assert "<acute>" not in listing
        assert "&lt;b&gt;Fatma&lt;/b&gt;" in listing and "<b>Fatma</b>" not in listing
        entries = _audit(ws, action="baan_aangepast", household_id=h)
        assert entries and entries[0]["detail"] == "Vroeg erop af → Acuut"
    finally:
        assert _withdraw(client, page, token, "baan", override).status_code == 303


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
    assert "huishouden bekeken" in page.text and "coord-own" in page.text and "coördinator" in page.text
    assert "huishouden_bekeken" not in page.text and ">coordinator<" not in page.text
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
        state.add_lane_override(
            con, **who, as_of=date(2026, 1, 5), lane="acuut", reason="test reden", by="test"
        )
        attempt_id = con.execute("select max(attempt_id) from contact_attempt").fetchone()[0]
        state.add_withdrawal(
            con, kind="contact_attempt", registration_id=attempt_id, reason="test reden", by="test", **who
        )
        state.add_api_token(con, "vroeg_append_only_test", "zaanoever", "test")
        token_id = max(t["token_id"] for t in state.api_tokens(con) if t["label"] == "test")
        state.revoke_api_token(con, token_id, "test")
        state.add_ddas_client(con, "ddas-append-only-test", "test", "not-a-hash", "test")
        state.revoke_ddas_client(con, "ddas-append-only-test", "test")
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


def _withdraw(client, page: str, token: str, soort: str, registration_id: int, reden: str = "Per vergissing"):
    return client.post(
        f"{page}/intrekken",
        data={"soort": soort, "registratie": str(registration_id), "reden": reden, "csrf_token": token},
    )


def _latest(ws, table: str, id_column: str) -> int:
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        return con.execute(f"select max({id_column}) from {table}").fetchone()[0]  # noqa: S608
    finally:
        con.close()


def test_a_withdrawn_contact_attempt_and_result_are_gone_from_the_next_nightly_run(
    portal_workspace, as_user, tmp_path
):
    ws, h = portal_workspace, portal_workspace.household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    vocab = ddas_vocabulary()
    # The team's most recent contact, if it counted.
    latest = min(date.today(), TINY_AS_OF) - timedelta(days=1)
    kept_day = latest - timedelta(days=6)
    for day, soort in ((kept_day, vocab["EnumContactsoort"][0]), (latest, vocab["EnumContactsoort"][1])):
        client.post(
            f"{page}/contactpoging",
            data={"datum": day.isoformat(), "soort": soort, "bereikt": "ja", "csrf_token": token},
        )
    mistaken_attempt = _latest(ws, "contact_attempt", "attempt_id")
    client.post(
        f"{page}/resultaat",
        data={
            "datum": latest.isoformat(),
            "eindresultaat": vocab["EnumEindresultaat"][1],
            "csrf_token": token,
        },
    )
    mistaken_result = _latest(ws, "case_result", "result_id")

    no_reason = _withdraw(client, page, token, "contactpoging", mistaken_attempt, reden=" ")
    assert no_reason.status_code == 400 and "Geef een reden voor het intrekken" in no_reason.text
    done = _withdraw(client, page, token, "contactpoging", mistaken_attempt, "Verkeerd huishouden <gekozen>")
    assert done.status_code == 303 and done.headers["location"].startswith(f"{page}?opgeslagen=")
    assert _withdraw(client, page, token, "resultaat", mistaken_result).status_code == 303
    twice = _withdraw(client, page, token, "resultaat", mistaken_result)
    assert twice.status_code == 400 and "al ingetrokken" in twice.text

    history = client.get(page).text
    assert "door coord-own: Verkeerd huishouden &lt;gekozen&gt;" in history
    assert f"<td>{kept_day:%d-%m-%Y}</td>" in history, "a day is shown as a day, without a time"
    assert history.count('class="ingetrokken"') >= 2
    entries = _audit(ws, action="registratie_ingetrokken", household_id=h, username="coord-own")
    assert {e["detail"].split(":")[0] for e in entries} >= {
        f"contactpoging {mistaken_attempt}",
        f"resultaat {mistaken_result}",
    }
    assert all(e["as_of_date"] and e["run_id"] and e["team_code"] == OWN_TEAM for e in entries)

    copy = tmp_path / "ws"
    shutil.copytree(ws.root, copy)
    run_nightly(copy)
    wh = duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True)
    try:
        address = wh.execute(
            "select address_key from fct_list_entry where household_id = ? and as_of_date = ?",
            [h, TINY_AS_OF],
        ).fetchall()[0][0]
        portal_days = {
            d
            for (d,) in wh.execute(
                "select contact_date from reg_contact_attempt where source = 'portal' and address_key = ?",
                [address],
            ).fetchall()
        }
        results = wh.execute(
            "select result_date, eindresultaat from reg_case_result "
            "where source = 'portal' and address_key = ?",
            [address],
        ).fetchall()
        last_contact = wh.execute(
            "select last_contact_date from int_household__features where household_id = ? and as_of_date = ?",
            [h, TINY_AS_OF],
        ).fetchall()[0][0]
    finally:
        wh.close()
    assert kept_day in portal_days and latest not in portal_days
    assert (latest, vocab["EnumEindresultaat"][1]) not in results
    assert last_contact != latest, "the withdrawn contact attempt still counts as the last contact"


def test_another_team_cannot_withdraw_a_registration(portal_workspace, as_user):
    ws = portal_workspace
    own_page = f"/teams/{OWN_TEAM}/huishoudens/{ws.household}"
    coordinator = as_user("coord-own")
    assign = {"medewerker": "Niet Intrekbaar", "csrf_token": csrf_of(coordinator, own_page)}
    coordinator.post(f"{own_page}/toewijzing", data=assign)
    assignment = _latest(ws, "assignment", "assignment_id")
    other = as_user("coord-other")
    other_page = f"/teams/{OTHER_TEAM}/huishoudens/{ws.other_household}"
    token = csrf_of(other, other_page)
    assert _withdraw(other, own_page, token, "toewijzing", assignment).status_code == 403
    # Through its own team's address, naming the other team's registration: unknown there.
    crossed = _withdraw(other, other_page, token, "toewijzing", assignment)
    assert crossed.status_code == 400 and "bestaat niet bij dit huishouden" in crossed.text
    # Nor through its own team's address with a household of the first team.
    foreign_page = f"/teams/{OTHER_TEAM}/huishoudens/{ws.household}"
    foreign = _withdraw(other, foreign_page, token, "toewijzing", assignment)
    assert foreign.status_code == 404
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        found = state.registration(con, "assignment", assignment)
    finally:
        con.close()
    assert found["withdrawn_at"] is None
    assert "Niet Intrekbaar" in coordinator.get(f"/teams/{OWN_TEAM}/lijst").text


def test_a_withdrawn_assignment_or_override_no_longer_marks_the_list(portal_workspace, as_user):
    ws, h = portal_workspace, portal_workspace.household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    for worker in ("Eerste Medewerker", "Tweede Medewerker"):
        client.post(f"{page}/toewijzing", data={"medewerker": worker, "csrf_token": token})
    second = _latest(ws, "assignment", "assignment_id")
    wrong = {"baan": "acuut", "reden": "Verkeerd ingeschat", "csrf_token": token}
    assert client.post(f"{page}/baan", data=wrong).status_code == 303
    override = _latest(ws, "lane_override", "override_id")
    listing = client.get(f"/teams/{OWN_TEAM}/lijst").text
    assert "Tweede Medewerker" in listing and "Verkeerd ingeschat" in listing

    assert _withdraw(client, page, token, "toewijzing", second).status_code == 303
    assert _withdraw(client, page, token, "baan", override).status_code == 303
    listing = client.get(f"/teams/{OWN_TEAM}/lijst").text
    assert "Tweede Medewerker" not in listing and "Eerste Medewerker" in listing
    assert "Verkeerd ingeschat" not in listing
    history = client.get(page).text
    assert "Tweede Medewerker" in history and "Verkeerd ingeschat" in history, "still in the history"
