"""Supplier uploads: the Dutch report at once, safe storage in the inbox, refusals, the API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from portal import state, supplier_history, uploads
from portal.security import new_api_token
from signals.delivery_status import outcome
from signals.intake import AMSTERDAM
from signals.receipts import discover_inbox, first_sight_moment, sidecar
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import OTHER_SUPPLIER, OWN_SUPPLIER, csrf_of

HEADER = (
    "bron_referentie;postcode;huisnummer;huisnummer_toevoeging;contractnummer;maandhuur_eur;"
    "achterstand_eur;achterstand_sinds;signaaldatum;bsn;achternaam"
)
PAGE = f"/leveranciers/{OWN_SUPPLIER}/leveringen"


def _bad_file(ws) -> bytes:
    wh = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        postcode, number = wh.execute(
            "select postcode, house_number from ref_address where house_number_suffix is null limit 1"
        ).fetchall()[0]
    finally:
        wh.close()
    lines = [
        HEADER,
        f"portal-t1;{postcode};{number};;C1;650;1300;2026-09-01;2026-10-01;;Jansen",  # valid
        f"portal-t2;{postcode};{number};;C2;650;1300;2026-09-01;2026-10-01;123456789;Smit",  # elfproef
        "portal-t3;1501ZZ;99999;;C3;650;1300;2026-09-01;2026-10-01;;",  # unknown address
        f"portal-t4;{postcode};{number};;C4;geen;1300;2026-09-01;2026-10-01;;",  # not a number
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _inbox_files(ws) -> set:
    """Deliveries in the inbox (not the hidden sidecars that say how a file arrived)."""
    return {p for p in (ws.root / "inbox").rglob("*") if p.is_file() and not p.name.startswith(".")}


def _as_the_nightly_sees(ws, stored):
    """The stored upload as a nightly run (for a past as-of date) finds it: its receipt is the upload's
    moment, recorded when it was stored, not the run's first sight."""
    before = datetime.now(tz=UTC) - timedelta(minutes=5)
    found = [
        f for f in discover_inbox(ws.root / "inbox", first_sight_moment(TINY_AS_OF)).files if f.path == stored
    ]
    assert [(f.received_basis, before < f.received_at <= datetime.now(tz=UTC)) for f in found] == [
        ("receipt", True)
    ]
    return found


def test_a_bad_upload_gets_row_errors_in_dutch_and_lands_safely_in_the_inbox(portal_workspace, as_user):
    ws = portal_workspace
    client = as_user("supplier-own")
    token = csrf_of(client, PAGE)
    before = _inbox_files(ws)
    response = client.post(
        f"{PAGE}/huurachterstand",
        data={"csrf_token": token},
        files={"bestand": ("../../../etc/Achterstanden <okt>.csv", _bad_file(ws), "text/csv")},
    )
    assert response.status_code == 303
    text = client.get(response.headers["location"]).text
    assert "Regels gelezen 4, geaccepteerd 1, afgewezen 3" in text
    assert "Het BSN voldoet niet aan de elfproef." in text
    assert "adressentabel" in text
    assert "Achterstanden &lt;okt&gt;.csv" in text  # the delivered name, escaped, without its folders
    new = _inbox_files(ws) - before
    assert len(new) == 1
    (stored,) = new
    assert stored.parent == ws.root / "inbox" / OWN_SUPPLIER / "huurachterstand"
    assert re.fullmatch(r"\d{8}T\d{6}_[0-9a-f]{12}\.csv", stored.name)
    assert not (ws.root / "etc").exists()
    assert not list(stored.parent.glob(".upload-*")), "temporary file left behind"
    # the nightly intake will record it as an upload under the delivered name, received when stored
    (incoming,) = _as_the_nightly_sees(ws, stored)
    assert (incoming.channel, incoming.original_name) == ("upload", "Achterstanden <okt>.csv")
    stored.unlink()  # the other tests' nightly copies should not take it in
    sidecar(stored).unlink()


def test_wrong_extension_wrong_feed_and_too_large_files_are_refused(portal_workspace, as_user, monkeypatch):
    ws = portal_workspace
    client = as_user("supplier-own")
    token = csrf_of(client, PAGE)
    before = _inbox_files(ws)
    exe = client.post(
        f"{PAGE}/overlast", data={"csrf_token": token}, files={"bestand": ("x.exe", b"MZ...", "text/csv")}
    )
    assert "Alleen bestanden met de extensie .csv, .xlsx of .json worden aangenomen." in exe.text
    feed = client.post(
        f"{PAGE}/waterafsluiting",
        data={"csrf_token": token},
        files={"bestand": ("x.csv", b"a;b\n1;2\n", "text/csv")},
    )
    assert "levert geen feed &#39;waterafsluiting&#39; aan" in feed.text
    html = client.post(
        f"{PAGE}/overlast", data={"csrf_token": token}, files={"bestand": ("x.csv", b"a;b\n", "text/html")}
    )
    assert "Het bestandstype &#39;text/html&#39; wordt niet aangenomen." in html.text
    monkeypatch.setattr(uploads, "max_bytes", lambda: 100)
    big = client.post(
        f"{PAGE}/overlast",
        data={"csrf_token": token},
        files={"bestand": ("x.csv", b"a;b\n" * 50, "text/csv")},
    )
    assert "groter dan de afgesproken" in big.text
    huge = client.post(
        f"{PAGE}/overlast",
        data={"csrf_token": token},
        files={"bestand": ("x.csv", b"a;b\n" * 40_000, "text/csv")},
    )
    assert huge.status_code == 413
    assert _inbox_files(ws) == before


def test_the_supplier_api_takes_a_token_and_answers_the_report_as_json(portal_workspace, client):
    ws = portal_workspace
    token = new_api_token()
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        state.add_api_token(con, token, OWN_SUPPLIER, "test")
        stored_hashes = [r[0] for r in con.execute("select token_hash from api_token")]
    finally:
        con.close()
    assert token not in stored_hashes
    files = {"bestand": ("levering.csv", _bad_file(ws), "text/csv")}
    assert client.post("/api/leveringen/huurachterstand", files=files).status_code == 401
    refused = client.post(
        "/api/leveringen/huurachterstand", files=files, headers={"Authorization": "Bearer vroeg_verzonnen"}
    )
    assert refused.status_code == 401
    before = _inbox_files(ws)
    answer = client.post(
        "/api/leveringen/huurachterstand", files=files, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    report = answer.json()
    assert (report["regels_gelezen"], report["regels_geaccepteerd"], report["regels_afgewezen"]) == (4, 1, 3)
    assert any(f["reden"] == "Het BSN voldoet niet aan de elfproef." for f in report["bevindingen"])
    assert "123456789" not in json.dumps(report), "a delivered BSN echoed back"
    (stored,) = _inbox_files(ws) - before
    assert stored.parent.name == "huurachterstand" and stored.parent.parent.name == OWN_SUPPLIER
    # the nightly intake records it as an API delivery under the delivered name
    (incoming,) = _as_the_nightly_sees(ws, stored)
    assert (incoming.channel, incoming.original_name) == ("api", "levering.csv")
    stored.unlink()
    sidecar(stored).unlink()
    # A feed the supplier does not deliver: refused, in Dutch.
    other = client.post(
        "/api/leveringen/ggd_melding", files=files, headers={"Authorization": f"Bearer {token}"}
    )
    assert other.status_code == 422 and "levert geen feed" in other.json()["detail"]


def test_the_delivery_history_shows_only_own_deliveries(portal_workspace, as_user):
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        names = wh.execute(
            "select supplier_code, original_name from raw_delivery order by received_at desc"
        ).fetchall()
    finally:
        wh.close()
    own = [n for s, n in names if s == OWN_SUPPLIER]
    others = {n for s, n in names if s != OWN_SUPPLIER}
    client = as_user("supplier-own")
    pages = [client.get(f"{PAGE}?pagina={n}").text for n in range(1, len(own) // 25 + 2)]
    newest = own[: supplier_history.PAGE_SIZE]  # the first page: the newest deliveries
    assert own and all(name in pages[0] for name in newest)
    assert all(any(name in page for page in pages) for name in own)
    assert not [name for name in others - set(own) if any(name in page for page in pages)]


@pytest.mark.parametrize("username", ["coord-own", "evaluator", "admin", "supplier-other"])
def test_no_other_role_can_upload_for_a_supplier(as_user, username):
    client = as_user(username)
    start = client.get("/").headers["location"]
    token = csrf_of(client, start)
    response = client.post(
        f"{PAGE}/overlast",
        data={"csrf_token": token},
        files={"bestand": ("x.csv", b"a;b\n1;2\n", "text/csv")},
    )
    assert response.status_code == 403


# --- supplier feedback: status wording, post/redirect/get, duplicates, pending, reports, paging ----


@pytest.fixture
def clean_inbox(portal_workspace):
    """Uploads of a test (and their reports) removed after it: the shared workspace stays as built."""
    ws = portal_workspace
    inbox_before = {p for p in (ws.root / "inbox").rglob("*") if p.is_file()}
    reports_before = set((ws.root / "reports").glob("*.*"))
    yield ws
    for path in {p for p in (ws.root / "inbox").rglob("*") if p.is_file()} - inbox_before:
        path.unlink()
    for path in set((ws.root / "reports").glob("*.*")) - reports_before:
        path.unlink()


def _upload(client, token, content: bytes, name: str = "levering.csv", feed: str = "huurachterstand"):
    return client.post(
        f"{PAGE}/{feed}", data={"csrf_token": token}, files={"bestand": (name, content, "text/csv")}
    )


def _good_file(ws) -> bytes:
    valid = _bad_file(ws).decode().splitlines()[:2]
    return ("\n".join(valid).replace("portal-t1", "portal-goed") + "\n").encode()


def _own_delivery(ws, archive_suffix: str = "") -> tuple[str, str, str]:
    """(delivery_id, feed, archive path) of the own supplier's latest delivery (archived as `suffix`)."""
    wh = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        delivery_id, feed, archive_path = wh.execute(
            "select delivery_id, feed, archive_path from raw_delivery where supplier_code = ? "
            "and archive_path like '%' || ? order by received_at desc limit 1",
            [OWN_SUPPLIER, archive_suffix],
        ).fetchall()[0]
    finally:
        wh.close()
    return delivery_id, feed, str(ws.root / archive_path)  # stored relative to the workspace


def _audit(ws, action: str) -> list[dict]:
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        return [e for e in state.audit_entries(con) if e["action"] == action]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("status", "quarantined", "label", "tone"),
    [
        ("geaccepteerd", 0, "geaccepteerd", "status-geaccepteerd"),
        ("geaccepteerd", 11, "gedeeltelijk geaccepteerd", "status-gedeeltelijk"),
        ("afgewezen", 40, "afgewezen", "status-afgewezen"),
        (None, None, "wacht op verwerking", "status-wacht"),
    ],
)
def test_the_outcome_is_green_only_when_every_row_was_loaded(status, quarantined, label, tone):
    shown = outcome(status, quarantined)
    assert (shown.label, shown.tone) == (label, tone)


def test_an_upload_redirects_to_its_report_and_a_reload_sends_nothing(clean_inbox, as_user):
    ws = clean_inbox
    client = as_user("supplier-own")
    token = csrf_of(client, PAGE)
    before = _inbox_files(ws)
    response = _upload(client, token, _bad_file(ws))
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(rf"{PAGE}\?levering=[0-9a-f]{{64}}", location)
    for _ in range(2):  # the page, then a reload of it
        page = client.get(location)
        assert page.status_code == 200
        assert 'class="uitkomst status-gedeeltelijk"' in page.text
        assert "Status: <strong>gedeeltelijk geaccepteerd</strong>" in page.text
        assert "Regels gelezen 4, geaccepteerd 1, afgewezen 3" in page.text
        assert "De levering wordt vannacht verwerkt." in page.text
    assert len(_inbox_files(ws) - before) == 1
    assert "123456789" not in page.text  # the delivered BSN is masked


def test_a_file_whose_every_row_loads_is_accepted_in_green(clean_inbox, as_user):
    client = as_user("supplier-own")
    response = _upload(client, csrf_of(client, PAGE), _good_file(clean_inbox))
    page = client.get(response.headers["location"]).text
    assert "Status: <strong>geaccepteerd</strong>" in page
    assert 'class="uitkomst status-geaccepteerd"' in page


def test_a_rejected_file_is_shown_as_rejected_in_red(clean_inbox, as_user):
    client = as_user("supplier-own")
    response = _upload(client, csrf_of(client, PAGE), b"iets;anders\n1;2\n")
    page = client.get(response.headers["location"]).text
    assert "Status: <strong>afgewezen</strong>" in page and "status-afgewezen" in page
    assert "vannacht verwerkt" not in page


def test_the_same_bytes_waiting_in_the_inbox_are_refused_and_stored_once(clean_inbox, as_user):
    ws = clean_inbox
    client = as_user("supplier-own")
    token = csrf_of(client, PAGE)
    before = _inbox_files(ws)
    assert _upload(client, token, _bad_file(ws), "eerste.csv").status_code == 303
    again = _upload(client, token, _bad_file(ws), "tweede keer.csv")
    assert again.status_code == 422
    assert "staat al klaar voor verwerking sinds" in again.text
    assert "niet nog eens opgeslagen" in again.text
    assert len(_inbox_files(ws) - before) == 1
    # also under another feed: the same bytes are the same delivery
    other_feed = _upload(client, token, _bad_file(ws), "eerste.csv", feed="overlast")
    assert other_feed.status_code == 422 and len(_inbox_files(ws) - before) == 1


def test_bytes_already_taken_in_are_refused(clean_inbox, as_user, portal_workspace, client):
    ws = clean_inbox
    delivery_id, feed, archive = _own_delivery(ws, ".csv")
    content = Path(archive).read_bytes()  # the archived bytes are the delivered bytes
    user = as_user("supplier-own")
    before = _inbox_files(ws)
    refused = _upload(user, csrf_of(user, PAGE), content, "opnieuw.csv", feed=feed)
    assert refused.status_code == 422
    assert "is al eerder geleverd en verwerkt, ontvangen op" in refused.text
    assert _inbox_files(ws) == before
    # the API says so too, with 409
    token = new_api_token()
    con = state.open_state(ws.root / "portal.sqlite")
    try:
        state.add_api_token(con, token, OWN_SUPPLIER, "dubbel")
    finally:
        con.close()
    answer = client.post(
        f"/api/leveringen/{feed}",
        files={"bestand": ("opnieuw.csv", content, "text/csv")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 409 and "al eerder geleverd" in answer.json()["detail"]
    assert _inbox_files(ws) == before
    assert delivery_id


def test_an_upload_is_in_the_history_at_once_as_waiting(clean_inbox, as_user):
    client = as_user("supplier-own")
    _upload(client, csrf_of(client, PAGE), _bad_file(clean_inbox), "wachtend-bestand.csv")
    page = client.get(PAGE).text
    row = re.search(r'<tr class="wacht">(.*?)</tr>', page, re.S)
    assert row, "the waiting upload is not listed"
    cells = row.group(1)
    assert "wachtend-bestand.csv" in cells and "wacht op verwerking" in cells
    today = datetime.now(tz=AMSTERDAM).strftime("%d-%m-%Y")
    assert re.search(rf"{today} \d\d:\d\d", cells), cells
    assert ">upload<" in cells and "rapport.html" in cells


def test_channels_are_shown_in_words_never_as_codes(as_user):
    page = as_user("supplier-own").get(PAGE).text
    history = page.split("Eerdere leveringen", 1)[1]
    assert "drop_folder" not in history
    assert "<td>map</td>" in history


def test_a_supplier_downloads_its_own_reports(clean_inbox, as_user):
    ws = clean_inbox
    client = as_user("supplier-own")
    delivery_id, _, _ = _own_delivery(ws)
    html = client.get(f"{PAGE}/{delivery_id}/rapport.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    # the SHA-256 may break after its first half on a phone (<wbr>)
    assert "Leveringsrapport" in html.text and delivery_id in html.text.replace("<wbr>", "")
    csv = client.get(f"{PAGE}/{delivery_id}/rapport.csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    # the report of an upload that waits for the nightly run is there at once
    uploaded = client.get(_upload(client, csrf_of(client, PAGE), _bad_file(ws)).headers["location"])
    waiting_id = uploaded.url.params["levering"]
    report = client.get(f"{PAGE}/{waiting_id}/rapport.html")
    assert report.status_code == 200 and "gedeeltelijk geaccepteerd" in report.text
    assert "123456789" not in report.text
    viewed = _audit(ws, "leveringsrapport_bekeken")
    assert {e["detail"] for e in viewed[:3]} >= {
        f"html, sha256 {waiting_id[:12]}",
        f"csv, sha256 {delivery_id[:12]}",
    }
    assert all(e["supplier_code"] == OWN_SUPPLIER and e["username"] == "supplier-own" for e in viewed)


def test_another_supplier_cannot_open_a_report(portal_workspace, as_user):
    ws = portal_workspace
    delivery_id, _, _ = _own_delivery(ws)
    other = as_user("supplier-other")
    assert other.get(f"{PAGE}/{delivery_id}/rapport.html").status_code == 403
    # through its own address, with the other supplier's delivery: not found, not shown
    own_url = f"/leveranciers/{OTHER_SUPPLIER}/leveringen/{delivery_id}/rapport.html"
    refused = other.get(own_url)
    assert refused.status_code == 404 and delivery_id not in refused.text
    assert other.get(f"/leveranciers/{OTHER_SUPPLIER}/leveringen?levering={delivery_id}").status_code == 200
    assert (
        "niet gevonden" in other.get(f"/leveranciers/{OTHER_SUPPLIER}/leveringen?levering={delivery_id}").text
    )
    assert other.get(f"/leveranciers/{OTHER_SUPPLIER}/leveringen/../../etc/rapport.html").status_code == 404
    refusals = [e for e in _audit(ws, "leveringsrapport_geweigerd") if e["username"] == "supplier-other"]
    assert len(refusals) >= 2
    assert as_user("coord-own").get(f"{PAGE}/{delivery_id}/rapport.html").status_code == 403


def test_the_history_is_paged(portal_workspace, as_user, monkeypatch):
    wh = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    try:
        total = wh.execute(
            "select count(*) from raw_delivery where supplier_code = ?", [OWN_SUPPLIER]
        ).fetchall()[0][0]
    finally:
        wh.close()
    size = 2
    assert total > 2 * size, "the tiny region has too few deliveries to page"
    monkeypatch.setattr(supplier_history, "PAGE_SIZE", size)
    client = as_user("supplier-own")
    first = client.get(PAGE).text
    pages = -(-total // size)
    assert f"pagina 1 van {pages} ({total} verwerkte leveringen)" in first
    assert 'href="?pagina=2" rel="next">volgende</a>' in first and "vorige" not in first
    second = client.get(f"{PAGE}?pagina=2").text
    assert 'href="?pagina=1" rel="prev">vorige</a>' in second and 'href="?pagina=3"' in second
    last = client.get(f"{PAGE}?pagina=999").text
    assert f"pagina {pages} van {pages}" in last and "volgende</a>" not in last

    def rows(text):
        return re.findall(r"<tr><td>(\d\d-\d\d-\d{4} \d\d:\d\d)</td>", text)

    assert len(rows(first)) == size and rows(first) != rows(second)
