"""Shared fixtures: a test pseudonym key, one real Prefect server per session, the tiny region."""

from __future__ import annotations

import os
import socket
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("VROEG_PSEUDONYM_KEY", "test-key-not-for-production-0001")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Lists must not depend on the commit under test.
os.environ["VROEG_CODE_VERSION"] = "test"

SHARED = Path(__file__).resolve().parents[2] / "shared"
TINY = {"households": 1_500, "seed": 7, "months": 14, "end_date": date(2026, 10, 31)}
TINY_AS_OF = date(2026, 10, 31)


def history_manifest(workspace: Path) -> str:
    """The manifest of a generated inbox (copied into `workspace`): a generated history is taken in
    as a history import with it, as `vroeg demo` does, so every delivery is received when the
    generator says (signals/receipts.py) and the figures do not depend on file times."""
    return str(Path(workspace) / "inbox" / "manifest.csv")


def history_files(inbox: Path, as_of: date) -> list:
    """The files of a generated inbox as a history import with its manifest sees them (receipts
    recorded), for tests that call the intake without the flow."""
    from signals.receipts import History, discover_inbox, first_sight_moment, read_history_manifest

    history = History(read_history_manifest(inbox / "manifest.csv", inbox))
    return discover_inbox(inbox, first_sight_moment(as_of), history).files


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A real `prefect server start` on loopback, shared by every flow test of the session."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    from flows.deploy import local_server

    home = tmp_path_factory.mktemp("prefect-home")
    settings = {
        "PREFECT_UI_ENABLED": "false",
        # The scheduler service creates scheduled runs every loop (default 60 s); faster in tests.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
    }
    with local_server(home, _free_port(), home / "server.log", settings) as url:
        os.environ["PREFECT_API_URL"] = url
        try:
            with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                yield url
        finally:
            os.environ.pop("PREFECT_API_URL", None)


@pytest.fixture(scope="session")
def tiny_region(tmp_path_factory) -> Path:
    """The tiny synthetic region (generated once per session; never committed)."""
    from synthetic import generate_region

    root = tmp_path_factory.mktemp("tiny-region")
    generate_region(root, **TINY)
    return root


@pytest.fixture(scope="session")
def default_region(tmp_path_factory: pytest.TempPathFactory):
    """The default (demo) 80,000-household region, as `vroeg demo` generates it (about 20 s)."""
    from synthetic import generate_region

    root = tmp_path_factory.mktemp("synthetic-default")
    return root, generate_region(root)
