"""The household page's forms: confirmation after saving, errors next to their fields with what was
typed kept, no preselected choices, plausible dates only, and notes (stored, escaped, audited, never
exported, purged after their term)."""

from __future__ import annotations

import html
import io
import re
import sqlite3
import zipfile
from datetime import date, timedelta

import duckdb
import pytest
from markupsafe import escape

from portal import state
from portal.form_checks import follow_up_dates, months_after, today
from portal.state.notes import purge_expired_notes
from signals.registrations import ddas_vocabulary
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import OWN_TEAM, csrf_of

NOTE = 'Bel <b>dinsdag</b> terug & vraag naar "de brief" NOTITIE-7f3a'


@pytest.fixture(scope="module")
def household(portal_workspace) -> tuple[str, date]:
    """The own team's second household (the other tests register for the first) and its first signal."""
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        return tuple(
            wh.execute(
                "select household_id, first_signal_date from fct_list_entry "
                "where as_of_date = ? and wijkteam = ? order by rank limit 1 offset 1",
                [TINY_AS_OF, OWN_TEAM],
            ).fetchall()[0]
        )
    finally:
        wh.close()


def _valid(**changed) -> dict:
    vocab = ddas_vocabulary()
    return {
        "datum": (today() - timedelta(days=1)).isoformat(),
        "soort": vocab["EnumContactsoort"][0],
        "bereikt": "nee",
        "dagdeel": vocab["EnumDagdeel"][0],
        **changed,
    }


def _audit(ws, action: str, household_id: str) -> list[dict]:
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        return [e for e in state.audit_entries(con, household_id=household_id) if e["action"] == action]
    finally:
        con.close()


def _field(page: str, name: str) -> str:
    """The opening tag of the form field called `name` in the contact attempt form."""
    form = page[page.index('id="form-contactpoging"') :]
    return re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', form).group(0)


def _withdraw_last(client, page: str, token: str, ws) -> None:
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        last = con.execute("select max(attempt_id) from contact_attempt").fetchone()[0]
    finally:
        con.close()
    data = {
        "soort": "contactpoging",
        "registratie": str(last),
        "reden": "Per vergissing",
        "csrf_token": token,
    }
    assert client.post(f"{page}/intrekken", data=data).status_code == 303


def test_a_saved_registration_is_confirmed_on_the_page_after_the_redirect(
    portal_workspace, as_user, household
):
    h, _ = household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    fresh = client.get(page).text
    assert '<div role="status" class="bevestiging"></div>' in fresh
    saved = client.post(f"{page}/contactpoging", data={**_valid(), "csrf_token": token})
    assert saved.status_code == 303
    # the URL names what was saved and where the page opens, never a value typed
    assert saved.headers["location"] == f"{page}?opgeslagen=contactpoging#registreren"
    shown = client.get(saved.headers["location"]).text
    status = re.search(r'<div role="status"[^>]*>(.*?)</div>', shown, re.S).group(1)
    assert "De contactpoging is vastgelegd." in status
    assert shown.index('id="registreren"') < shown.index("De contactpoging is vastgelegd.")
    assert "vastgelegd." not in client.get(f"{page}?opgeslagen=<script>").text.split('role="status"')[1][:80]
    _withdraw_last(client, page, token, portal_workspace)
    assert "De registratie is ingetrokken." in client.get(f"{page}?opgeslagen=intrekken").text


def test_an_invalid_date_is_explained_next_to_its_field_and_everything_typed_stays(
    portal_workspace, as_user, household
):
    h, _ = household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    before = len(_audit(portal_workspace, "contactpoging_geregistreerd", h))
    follow = (today() + timedelta(days=14)).isoformat()
    typed = _valid(datum="1900-01-01", bereikt="ja", opvolgen_op=follow, notitie=NOTE)
    refused = client.post(f"{page}/contactpoging", data={**typed, "csrf_token": token})
    assert refused.status_code == 400
    text = refused.text
    datum = _field(text, "datum")
    assert 'value="1900-01-01"' in datum and 'aria-invalid="true"' in datum
    assert "fout-contactpoging-datum" in datum
    error = re.search(r'<span class="veldfout" id="fout-contactpoging-datum">([^<]*)</span>', text).group(1)
    assert "ligt vóór het eerste signaal" in html.unescape(error) and error.count(".") == 1  # one sentence
    assert "1900" not in error and "-" in error  # Dutch dates (d-m-jjjj), no ISO codes
    # the other fields are kept and not marked
    assert f'value="{typed["soort"]}" selected' in text and '<option value="ja" selected' in text
    assert f'value="{typed["dagdeel"]}" selected' in text
    assert f'value="{follow}"' in _field(text, "opvolgen_op")
    assert "aria-invalid" not in _field(text, "soort")
    assert str(escape(NOTE)) in text and "<b>dinsdag</b>" not in text
    # the page opens at the form: the form posts to its own anchor and carries that id
    assert 'contactpoging#form-contactpoging"' in text and 'id="form-contactpoging"' in text
    assert 'role="alert"' in text
    assert len(_audit(portal_workspace, "contactpoging_geregistreerd", h)) == before  # nothing saved


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("datum", "1900-01-01", "De datum van het contact ligt vóór het eerste signaal: kies een datum van "),
        ("datum", "tomorrow", "De datum van het contact ligt in de toekomst"),
        ("datum", "31-02-2026", "Vul de datum van het contact in als dag-maand-jaar"),
        ("datum", "", "Vul de datum van het contact in."),
        ("datum", "before-first-signal", "ligt vóór het eerste signaal"),
        ("soort", "", "Kies een soort contact."),
        ("bereikt", "", "Kies een waarde bij 'bereikt'."),
        ("opvolgen_op", "yesterday", "De datum om op te volgen ligt in het verleden"),
        ("opvolgen_op", "beyond", "De datum om op te volgen ligt meer dan 6 maanden vooruit"),
        ("notitie", "x" * 501, "Maak de notitie korter: hoogstens 500 tekens, nu 501."),
    ],
)
def test_implausible_dates_placeholders_and_long_notes_are_refused(
    portal_workspace, as_user, household, field, value, message
):
    h, first_signal = household
    value = {
        "tomorrow": (today() + timedelta(days=1)).isoformat(),
        "yesterday": (today() - timedelta(days=1)).isoformat(),
        "beyond": (follow_up_dates().last + timedelta(days=1)).isoformat(),
        "before-first-signal": (first_signal - timedelta(days=1)).isoformat(),
    }.get(value, value)
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    refused = client.post(f"{page}/contactpoging", data={**_valid(**{field: value}), "csrf_token": token})
    assert refused.status_code == 400
    error = re.search(rf'id="fout-contactpoging-{field}">([^<]*)<', refused.text).group(1)
    assert message in html.unescape(error)
    assert 'aria-invalid="true"' in _field(refused.text, field)


def test_no_result_or_contact_type_is_preselected_and_the_placeholder_is_refused(as_user, household):
    h, _ = household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    text = client.get(page).text
    for name in ("soort", "bereikt", "eindresultaat", "baan"):
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', text, re.S).group(1)
        assert select.startswith('<option value="">— kies —</option>') and "selected" not in select
    token = csrf_of(client, page)
    result = client.post(
        f"{page}/resultaat",
        data={"datum": today().isoformat(), "eindresultaat": "", "csrf_token": token},
    )
    assert result.status_code == 400
    assert (
        '<span class="veldfout" id="fout-resultaat-eindresultaat">Kies een eindresultaat.</span>'
        in result.text
    )
    assert f'value="{today().isoformat()}"' in result.text
    future = client.post(
        f"{page}/resultaat",
        data={"datum": (today() + timedelta(days=2)).isoformat(), "eindresultaat": "x", "csrf_token": token},
    )
    assert future.status_code == 400 and 'id="fout-resultaat-datum"' in future.text


def test_a_note_is_stored_shown_escaped_audited_and_never_exported(
    portal_workspace, as_user, household, tmp_path
):
    from lists.export import export_lists

    ws, (h, _) = portal_workspace, household
    page = f"/teams/{OWN_TEAM}/huishoudens/{h}"
    client = as_user("coord-own")
    token = csrf_of(client, page)
    follow = today() + timedelta(days=10)
    data = {**_valid(), "opvolgen_op": follow.isoformat(), "notitie": NOTE, "csrf_token": token}
    assert client.post(f"{page}/contactpoging", data=data).status_code == 303
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        stored = con.execute(
            "select n.note, a.follow_up_date from contact_note as n "
            "join contact_attempt as a using (attempt_id) where a.household_id = ?",
            [h],
        ).fetchall()
    finally:
        con.close()
    assert [tuple(r) for r in stored] == [(NOTE, follow.isoformat())]
    shown = client.get(page).text
    assert str(escape(NOTE)) in shown and "<b>dinsdag</b>" not in shown
    assert f"opvolgen op {follow.strftime('%d-%m-%Y')}" in shown
    saved = _audit(ws, "notitie_vastgelegd", h)
    assert saved and "NOTITIE-7f3a" not in saved[0]["detail"] and f"{len(NOTE)} tekens" in saved[0]["detail"]
    assert not any(
        "NOTITIE-7f3a" in (e["detail"] or "") for e in _audit(ws, "contactpoging_geregistreerd", h)
    )

    # never in the XLSX the team downloads ...
    xlsx = client.get(f"/teams/{OWN_TEAM}/lijst.xlsx")
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        contents = b"".join(book.read(n) for n in book.namelist())
    assert b"NOTITIE-7f3a" not in contents and b"dinsdag" not in contents
    # ... nor in the published CSV and XLSX files
    wh = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        export_lists(wh, TINY_AS_OF, tmp_path, [OWN_TEAM], {}, state_path=ws.root / "portal.sqlite")
    finally:
        wh.close()
    files = list(tmp_path.rglob("*.csv"))
    assert files
    for file in files:
        assert "NOTITIE-7f3a" not in file.read_text(encoding="utf-8-sig")

    # withdrawn with its attempt: not shown any more, audited, and gone at the next purge
    _withdraw_last(client, page, token, ws)
    assert "NOTITIE-7f3a" not in client.get(page).text
    withdrawn = _audit(ws, "notitie_ingetrokken", h)
    assert withdrawn and "NOTITIE-7f3a" not in withdrawn[0]["detail"]
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        assert purge_expired_notes(con, today(), 12) == 1
        assert not con.execute("select count(*) from contact_note where note = ?", [NOTE]).fetchone()[0]
    finally:
        con.close()


def _attempt(con, note: str | None) -> int:
    return state.add_contact_attempt(
        con,
        wijkteam=OWN_TEAM,
        household_id="h1",
        address_key="a1",
        contact_date=date(2026, 11, 2),
        soort=ddas_vocabulary()["EnumContactsoort"][0],
        is_reached=True,
        dagdeel=None,
        registered_by="coord-own",
        note=note,
    )


def test_the_retention_purge_removes_a_note_after_its_term(tmp_path):
    from flows.purge_expired_data import purge_portal_notes
    from signals.retention import retention

    path = tmp_path / "portal.sqlite"
    con = state.open_state(path)
    try:
        kept = _attempt(con, "Notitie die blijft tot de termijn om is")
        _attempt(con, None)
        months = retention().notes_months
        assert purge_expired_notes(con, months_after(today(), months - 1), months) == 0
        with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
            con.execute("update contact_note set note = 'anders'")
    finally:
        con.close()
    assert purge_portal_notes(path, months_after(today(), months) + timedelta(days=1)) == 1
    assert purge_portal_notes(tmp_path / "no-portal.sqlite", today()) == 0
    con = state.open_state(path)
    try:
        assert not con.execute("select count(*) from contact_note").fetchone()[0]
        assert con.execute("select count(*) from contact_attempt where attempt_id = ?", [kept]).fetchone()[0]
    finally:
        con.close()


def test_a_portal_file_from_before_follow_up_dates_is_upgraded_with_its_rows(tmp_path):
    path = tmp_path / "portal.sqlite"
    old = sqlite3.connect(path)
    old.execute(
        "create table contact_attempt (attempt_id integer primary key, wijkteam text not null, "
        "household_id text not null, address_key text not null, contact_date text not null, "
        "soort text not null, is_reached integer not null check (is_reached in (0, 1)), dagdeel text, "
        "registered_at text not null, registered_by text not null)"
    )
    old.execute(
        "insert into contact_attempt values (7, ?, 'h1', 'a1', '2026-10-01', 'telefonisch', 1, null, "
        "'2026-10-01T10:00:00+00:00', 'coord-own')",
        [OWN_TEAM],
    )
    old.commit()
    old.close()
    con = state.open_state(path)
    try:
        rows = [dict(r) for r in con.execute("select * from contact_attempt")]
        assert rows[0]["attempt_id"] == 7 and rows[0]["follow_up_date"] is None
        assert _attempt(con, "Een notitie") == 8
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("delete from contact_attempt")
    finally:
        con.close()
