"""A workspace with one real nightly run on the tiny region, accounts of every role, and a client.

Built once per session (the nightly flow takes a while); tests that must change the warehouse run
the nightly again on a copy of it.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from tests.conftest import TINY_AS_OF, _free_port

PASSWORD = "een-lang-test-wachtwoord"
OWN_TEAM, OTHER_TEAM = "zaanstad-poelenburg", "oostzaan"
OWN_SUPPLIER, OTHER_SUPPLIER = "zaanoever", "dwnk"
ACCOUNTS = {
    "coord-own": ("coordinator", OWN_TEAM, None),
    "coord-other": ("coordinator", OTHER_TEAM, None),
    "supplier-own": ("supplier", None, OWN_SUPPLIER),
    "supplier-other": ("supplier", None, OTHER_SUPPLIER),
    "evaluator": ("evaluator", None, None),
    "admin": ("administrator", None, None),
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class PortalWorkspace:
    root: Path
    household: str  # on OWN_TEAM's list
    other_household: str  # on OTHER_TEAM's list

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"


def run_nightly(root: Path) -> dict:
    from flows.nightly import nightly

    return nightly(str(root), TINY_AS_OF)


@pytest.fixture(scope="session")
def portal_workspace(prefect_server, tiny_region, tmp_path_factory) -> PortalWorkspace:
    from portal import state
    from portal.security import hash_password

    root = tmp_path_factory.mktemp("portal-ws")
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, root / part)
    run_nightly(root)
    con = state.open_state(root / "portal.sqlite")
    password_hash = hash_password(PASSWORD)
    for name, (role, team, supplier) in ACCOUNTS.items():
        state.add_account(con, name, role, password_hash, team_code=team, supplier_code=supplier)
    con.close()
    wh = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        first = (
            "select household_id from fct_list_entry where as_of_date = ? and wijkteam = ? "
            "order by rank limit 1"
        )
        household = wh.execute(first, [TINY_AS_OF, OWN_TEAM]).fetchall()[0][0]
        other = wh.execute(first, [TINY_AS_OF, OTHER_TEAM]).fetchall()[0][0]
    finally:
        wh.close()
    return PortalWorkspace(root, household, other)


def make_client(root: Path) -> TestClient:
    from portal.app import create_app

    return TestClient(create_app(root, secure_cookie=False), follow_redirects=False)


def login(client: TestClient, username: str, password: str = PASSWORD):
    page = client.get("/inloggen")
    token = CSRF.search(page.text).group(1)
    return client.post("/inloggen", data={"username": username, "password": password, "csrf_token": token})


def csrf_of(client: TestClient, path: str) -> str:
    """The session's CSRF token, as a page of the site hands it out."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


@pytest.fixture
def client(portal_workspace) -> TestClient:
    return make_client(portal_workspace.root)


@pytest.fixture
def as_user(portal_workspace):
    """A logged-in client per user name."""

    def _login(username: str) -> TestClient:
        c = make_client(portal_workspace.root)
        response = login(c, username)
        assert response.status_code == 303, response.text
        return c

    return _login


@contextmanager
def live_portal(workspace: Path, log_level: str = "warning") -> Iterator[int]:
    """The real portal served by uvicorn on a loopback port in a thread; yields the port."""
    import uvicorn

    from portal.app import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(workspace, secure_cookie=False), host="127.0.0.1", port=port, log_level=log_level
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "portal did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
