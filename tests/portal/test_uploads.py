"""Supplier uploads: the Dutch report at once, safe storage in the inbox, refusals, the API."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from portal import state, uploads
from portal.security import new_api_token
from signals.receipts import discover_inbox, first_sight_moment, sidecar
from tests.conftest import TINY_AS_OF
from tests.portal.conftest import OWN_SUPPLIER, csrf_of

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
    assert response.status_code == 200
    text = response.text
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
    # the nightly intake records it as an upload under the delivered name, like a page upload
    (incoming,) = _as_the_nightly_sees(ws, stored)
    assert (incoming.channel, incoming.original_name) == ("upload", "levering.csv")
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
        names = wh.execute("select supplier_code, original_name from raw_delivery").fetchall()
    finally:
        wh.close()
    own = {n for s, n in names if s == OWN_SUPPLIER}
    others = {n for s, n in names if s != OWN_SUPPLIER}
    page = as_user("supplier-own").get(PAGE).text
    assert own and all(name in page for name in list(own)[:20])
    assert not [name for name in others - own if name in page]


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
