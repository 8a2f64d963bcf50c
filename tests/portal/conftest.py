"""A workspace with real nightly runs on the tiny region (last week's list and tonight's), accounts
of every role, and a client.

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
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from tests.conftest import TINY_AS_OF, _free_port, history_manifest

PASSWORD = "een-lang-test-wachtwoord"
# The fixture accounts' second factor (any base32 secret); accounts made in a test set one up through
# the portal's own set-up page when the login helper first logs them in.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
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
SETUP_SECRET = re.compile(r'id="totp-sleutel">([A-Z2-7]+)<')


@dataclass(frozen=True)
class PortalWorkspace:
    root: Path
    household: str  # on OWN_TEAM's list
    other_household: str  # on OTHER_TEAM's list

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"


# The list before TINY_AS_OF's: the pages compare with it ("nieuw", "veranderd").
PREVIOUS_AS_OF = TINY_AS_OF - timedelta(days=7)


def run_nightly(root: Path, history: bool = False, as_of: date = TINY_AS_OF) -> dict:
    """The nightly run for `as_of`; `history`: the first one, taking the generated history in."""
    from flows.nightly import nightly

    return nightly(str(root), as_of, history_manifest=history_manifest(root) if history else None)


PRISTINE_STATE = "portal.pristine.sqlite"


@pytest.fixture(scope="session")
def portal_workspace(prefect_server, tiny_region, tmp_path_factory) -> PortalWorkspace:
    from portal import state
    from portal.security import hash_password

    root = tmp_path_factory.mktemp("portal-ws")
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, root / part)
    run_nightly(root, history=True)
    # last week's list, then tonight's again: tonight's list is compared with last week's
    run_nightly(root, as_of=PREVIOUS_AS_OF)
    run_nightly(root)
    con = state.open_state(root / "portal.sqlite")
    password_hash = hash_password(PASSWORD)
    for name, (role, team, supplier) in ACCOUNTS.items():
        account_id = state.add_account(con, name, role, password_hash, team_code=team, supplier_code=supplier)
        state.set_totp_secret(con, account_id, TOTP_SECRET)
    con.close()
    # The portal state as the tests find it before any of them registers anything: copies of the
    # workspace start from this, whichever tests changed the shared one before them.
    shutil.copyfile(root / "portal.sqlite", root.parent / PRISTINE_STATE)
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


@dataclass(frozen=True)
class LanedWorkspace:
    """A copy of the portal workspace whose own team's list has households in every lane."""

    root: Path
    acute: tuple[str, ...]  # in the acute lane, earliest acute date first
    ranked: tuple[str, ...]  # in the ranked lane, in order
    capacity: int  # the ranked lane's capacity line, as the "night" drew it


# Two households of the own team as if an acute rule had fired for them: (date, action, reason).
ACUTE = (
    (date(2026, 11, 12), "Huisbezoek vóór de ontruimingsdatum", "Ontruiming gepland op 12 november 2026"),
    (
        date(2026, 11, 5),
        "Vandaag contact met het drinkwaterbedrijf",
        "Drinkwater: afgesloten sinds 5 november",
    ),
)
LANED_CAPACITY = 5


def pristine_copy(portal_workspace: PortalWorkspace, tmp_path_factory, name: str) -> Path:
    """A copy of the portal workspace with the portal state before any test registered anything."""
    root = tmp_path_factory.mktemp(name) / "ws"
    shutil.copytree(portal_workspace.root, root)
    for journal in ("portal.sqlite-wal", "portal.sqlite-shm", "portal.sqlite-journal"):
        (root / journal).unlink(missing_ok=True)  # never replay another test's changes onto it
    shutil.copyfile(portal_workspace.root.parent / PRISTINE_STATE, root / "portal.sqlite")
    return root


def own_team_list(wh: duckdb.DuckDBPyConnection) -> list[str]:
    """The own team's households on tonight's list, in list order."""
    return [
        h
        for (h,) in wh.execute(
            "select household_id from fct_list_entry where as_of_date = ? and wijkteam = ? order by rank",
            [TINY_AS_OF, OWN_TEAM],
        ).fetchall()
    ]


@pytest.fixture(scope="session")
def laned_workspace(portal_workspace, tmp_path_factory) -> LanedWorkspace:
    """The tiny region's lists have nobody in the acute lane and nobody below the capacity line.

    This copy moves two of the own team's households into the acute lane the way the list SQL
    would (a rule hit routing there, its date, action and reason first), and draws the ranked lane's
    capacity line after LANED_CAPACITY households, so that the pages have every kind of row.
    """
    root = pristine_copy(portal_workspace, tmp_path_factory, "laned-ws")
    wh = duckdb.connect(str(root / "warehouse.duckdb"))
    try:
        households = own_team_list(wh)
        assert len(households) > LANED_CAPACITY + 3, "the own team's list is too short for the lanes tests"
        chosen = households[-3:-1]  # never the first (portal_workspace.household)
        for household, (day, action, reason) in zip(chosen, ACUTE, strict=True):
            wh.execute(
                "insert into int_rule_hit values (?, ?, 'R001', 2, 'acuut', ?, ?, ?)",
                [TINY_AS_OF, household, day, action, reason],
            )
            wh.execute(
                "update fct_list_entry set lane = 'acuut', acute_date = ?, suggested_action = ?, "
                "reasons_nl = ([?] || reasons_nl)[1:3], rule_reasons_nl = [?] || rule_reasons_nl "
                "where as_of_date = ? and household_id = ?",
                [day, action, reason, reason, TINY_AS_OF, household],
            )
        wh.execute(
            """
            update fct_list_entry as e
            set lane_rank = p.lane_rank, rank = p.rank,
                is_within_capacity = e.lane = 'acuut' or p.lane_rank <= ?
            from (
                select household_id, lane_rank,
                       row_number() over (order by lane != 'acuut', lane_rank) as rank
                from (
                    select household_id, lane, row_number() over (
                        partition by lane
                        order by acute_date nulls last, score desc, first_signal_date, household_id
                    ) as lane_rank
                    from fct_list_entry where as_of_date = ? and wijkteam = ?
                )
            ) as p
            where e.as_of_date = ? and e.household_id = p.household_id
            """,
            [LANED_CAPACITY, TINY_AS_OF, OWN_TEAM, TINY_AS_OF],
        )
        order = "select household_id from fct_list_entry where as_of_date = ? and wijkteam = ? and lane = ? "
        acute, ranked = (
            tuple(
                h
                for (h,) in wh.execute(order + "order by lane_rank", [TINY_AS_OF, OWN_TEAM, lane]).fetchall()
            )
            for lane in ("acuut", "vroeg_erop_af")
        )
    finally:
        wh.close()
    assert acute == (chosen[1], chosen[0]), "the acute lane is ordered by date"
    return LanedWorkspace(root, acute, ranked, LANED_CAPACITY)


def make_client(root: Path) -> TestClient:
    from portal.app import create_app

    return TestClient(create_app(root, secure_cookie=False), follow_redirects=False)


def current_code(state_path: Path, username: str) -> str:
    """The account's TOTP code of now, with the account's last used time step forgotten.

    A code is accepted once per account (portal/second_factor.py); the tests log the same fixture
    accounts in many times a minute, so the helper clears the remembered step first. The secret is
    the one stored (fixture accounts: TOTP_SECRET; others: the one they set up)."""
    import sqlite3

    import pyotp

    con = sqlite3.connect(state_path, timeout=10)
    try:
        with con:
            con.execute("update account set totp_last_step = null where username = ?", [username])
        (secret,) = con.execute("select totp_secret from account where username = ?", [username]).fetchone()
    finally:
        con.close()
    return pyotp.TOTP(secret).now()


def login(client, username: str, password: str = PASSWORD, state_path: Path | None = None):
    """Log in through both steps: the password, then the code (or the second factor's set-up, with the
    secret read from the page). The answer of the password step when it failed; else a 303: the
    code step's, or after a set-up, that of `/` (to the start page)."""
    page = client.get("/inloggen")
    token = CSRF.search(page.text).group(1)
    response = client.post(
        "/inloggen", data={"username": username, "password": password, "csrf_token": token}
    )
    step = response.headers.get("location") if response.status_code == 303 else None
    if step not in ("/inloggen/code", "/inloggen/instellen"):
        return response
    import pyotp

    form = client.get(step).text
    token = CSRF.search(form).group(1)
    if step == "/inloggen/instellen":
        code = pyotp.TOTP(SETUP_SECRET.search(form).group(1)).now()
        done = client.post(step, data={"code": code, "csrf_token": token})
        assert done.status_code == 200, done.text
        return client.get("/")
    code = current_code(state_path or client.app.state.state_path, username)
    return client.post(step, data={"code": code, "csrf_token": token})


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


# The portal state behind each live portal's URL: the browser log-in reads the TOTP secret there.
SERVED: dict[str, Path] = {}


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
    SERVED[f"http://127.0.0.1:{port}"] = Path(workspace) / "portal.sqlite"
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
