"""The web application's own protections that docs/security.md names: the security headers on every
answer, and sessions that end after the configured idle and absolute time."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from portal.security_config import security_config
from tests.portal.conftest import OWN_TEAM, PRISTINE_STATE, login, make_client

PAGES = ["/inloggen", "/toegankelijkheid", "/bestaat-niet", f"/teams/{OWN_TEAM}/lijst"]


@pytest.fixture
def workspace(portal_workspace, tmp_path):
    """The portal workspace with its own copy of the pristine portal state (sessions are changed)."""
    import shutil

    root = tmp_path / "ws"
    root.mkdir()
    for name in ("warehouse.duckdb",):
        (root / name).symlink_to(portal_workspace.root / name)
    shutil.copyfile(portal_workspace.root.parent / PRISTINE_STATE, root / "portal.sqlite")
    return root


def test_every_answer_carries_the_security_headers(workspace):
    client = make_client(workspace)
    for path in PAGES:
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy and headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path


@pytest.mark.parametrize(
    ("column", "past"),
    [
        ("last_seen_at", timedelta(minutes=security_config().session.idle_timeout_minutes + 1)),
        ("created_at", timedelta(hours=security_config().session.absolute_timeout_hours, minutes=1)),
    ],
)
def test_a_session_ends_after_the_idle_and_the_absolute_timeout(workspace, column, past):
    client = make_client(workspace)
    login(client, "coord-own", state_path=workspace / "portal.sqlite")
    assert client.get(f"/teams/{OWN_TEAM}/lijst").status_code == 200
    con = sqlite3.connect(workspace / "portal.sqlite")
    try:
        con.execute(f"update session set {column} = ?", [(datetime.now(UTC) - past).isoformat()])  # noqa: S608
        con.commit()
    finally:
        con.close()
    answer = client.get(f"/teams/{OWN_TEAM}/lijst")
    assert answer.status_code == 303 and answer.headers["location"] == "/inloggen"
