"""The nightly flow runs while the portal serves: no failed request, no registration lost."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pytest
import uvicorn

from tests.conftest import _free_port
from tests.portal.conftest import CSRF, OWN_TEAM, login, run_nightly

pytestmark = pytest.mark.flow


def _serve(root):
    from portal.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(root, secure_cookie=False), host="127.0.0.1", port=_free_port(), log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{server.config.port}"


def _portal_attempts(root) -> int:
    """Telephone attempts of today, not reached, in the portal's own store."""
    con = sqlite3.connect(root / "portal.sqlite")
    try:
        return con.execute(
            "select count(*) from contact_attempt "
            "where soort = 'Telefoon' and contact_date = ? and is_reached = 0",
            [date.today().isoformat()],
        ).fetchall()[0][0]
    finally:
        con.close()


def _logged_in(url: str, username: str, root: Path) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
    response = login(client, username, state_path=root / "portal.sqlite")
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


def test_the_portal_keeps_serving_and_keeps_every_registration_while_the_nightly_flow_runs(
    portal_workspace, tmp_path
):
    root = tmp_path / "ws"
    shutil.copytree(portal_workspace.root, root)
    before = _portal_attempts(root)
    server, thread, url = _serve(root)
    household = portal_workspace.household
    page = f"/teams/{OWN_TEAM}/huishoudens/{household}"
    failures: list[str] = []
    served = {"requests": 0, "registrations": 0}
    stop = threading.Event()

    def coordinator() -> None:
        client = _logged_in(url, "coord-own", root)
        while not stop.is_set():
            for path in (f"/teams/{OWN_TEAM}/lijst", page):
                response = client.get(path)
                served["requests"] += 1
                if response.status_code != 200:
                    failures.append(f"GET {path}: {response.status_code}")
            token = CSRF.search(client.get(page).text).group(1)
            response = client.post(
                f"{page}/contactpoging",
                data={
                    "csrf_token": token,
                    "datum": date.today().isoformat(),
                    "soort": "Telefoon",
                    "bereikt": "nee",
                    "dagdeel": "",
                },
            )
            served["requests"] += 2
            if response.status_code == 303:
                served["registrations"] += 1
            else:
                failures.append(f"POST contactpoging: {response.status_code} {response.text[:200]}")

    def evaluator() -> None:
        client = _logged_in(url, "evaluator", root)
        while not stop.is_set():
            response = client.get("/evaluatie")
            served["requests"] += 1
            if response.status_code != 200:
                failures.append(f"GET /evaluatie: {response.status_code}")

    workers = [threading.Thread(target=coordinator), threading.Thread(target=evaluator)]
    for w in workers:
        w.start()
    try:
        time.sleep(1)
        run_nightly(root)  # rebuilds and swaps the warehouse underneath the portal
        time.sleep(1)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=60)
        server.should_exit = True
        thread.join(timeout=10)

    assert failures == []
    assert served["requests"] > 20 and served["registrations"] > 0
    # Registrations made during the run wait in the portal's store; the next run takes every one in.
    run_nightly(root)
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        taken_in = con.execute(
            "select count(*) from reg_contact_attempt where source = 'portal' and soort = 'Telefoon' "
            "and contact_date = ? and not is_reached",
            [date.today()],
        ).fetchall()[0][0]
    finally:
        con.close()
    assert _portal_attempts(root) == before + served["registrations"]
    assert taken_in == _portal_attempts(root)
    assert re.fullmatch(r"hh-[0-9a-f]{16}", household)
