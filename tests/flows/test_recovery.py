"""A bad feed never blocks the others, and a killed run can simply be run again."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TINY_AS_OF, history_manifest
from tests.golden.regenerate import GOLDEN

pytestmark = pytest.mark.flow

RUN_HISTORY = {"meta_run", "meta_run_step", "meta_run_warning"}


def _workspace(tiny_region: Path, target: Path) -> Path:
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, target / part)
    return target


def _lists(workspace: Path) -> dict[str, str]:
    folder = workspace / "lists" / TINY_AS_OF.isoformat()
    # the lists themselves; manifest.json names the run that made them
    files = sorted([*folder.glob("*.csv"), *folder.glob("*.xlsx")])
    assert len(files) == 26
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _counts(workspace: Path) -> dict[str, int]:
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
        return {
            t: con.execute(f'select count(*) from "{t}"').fetchall()[0][0]  # noqa: S608 - catalogue names
            for t in tables
            if t not in RUN_HISTORY
        }
    finally:
        con.close()


def test_a_garbage_delivery_makes_the_run_partial_and_every_list_is_still_published(
    prefect_server, tiny_region, tmp_path
):
    from flows.nightly import nightly

    workspace = _workspace(tiny_region, tmp_path / "ws")
    garbage = workspace / "inbox" / "molenwonen" / "huurachterstand" / "2026-10-30_export.csv"
    garbage.write_bytes(b"\x00\x01PK\x03garbage that is no CSV at all\xff\xfe" * 40)

    # received on 30 October 2026 at 09:00: one more line of the history import's manifest
    with Path(history_manifest(workspace)).open("a", encoding="utf-8") as manifest:
        manifest.write(f"{garbage.relative_to(workspace / 'inbox').as_posix()},2026-10-30T09:00:00+01:00\n")
    summary = nightly(str(workspace), TINY_AS_OF, history_manifest=history_manifest(workspace))

    assert summary["status"] == "partial"
    assert "molenwonen/huurachterstand" in summary["status_reason"]
    # Nothing of the garbage reached the lists: every team's list is exactly the golden one.
    folder = Path(summary["lists_dir"])
    for golden in GOLDEN.glob("*.csv"):
        assert (folder / golden.name).read_bytes() == golden.read_bytes(), golden.name
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        status, reason = con.execute("select status, status_reason from meta_run").fetchall()[0]
        rejected = con.execute(
            "select status, rejection_reason, archive_path from raw_delivery where original_name = ?",
            [garbage.name],
        ).fetchall()
    finally:
        con.close()
    assert (status, reason) == ("partial", summary["status_reason"])
    # the run summary and `vroeg runs` say what happened, freshness warnings included
    # the rejected file is no delivery of data: Molenwonen's silence is still reported
    assert any("Stichting Molenwonen leverde voor het laatst" in w for w in summary["warnings"])
    from typer.testing import CliRunner

    from cli.main import app

    shown = CliRunner().invoke(app, ["runs", "--workspace", str(workspace)], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    for text in ("partial", "molenwonen/huurachterstand", "Stichting Molenwonen", "ingest: ok", "lists: ok"):
        assert text in shown.output, text
    assert rejected[0][0] == "afgewezen" and rejected[0][1]
    assert (workspace / rejected[0][2]).read_bytes().startswith(b"\x00\x01PK")  # the raw file is kept


def _kill_when(workspace: Path, ready) -> None:
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    vroeg = Path(sys.executable).with_name("vroeg")
    process = subprocess.Popen(
        [
            str(vroeg),
            "nightly",
            "--workspace",
            str(workspace),
            "--as-of",
            TINY_AS_OF.isoformat(),
            "--history-manifest",
            history_manifest(workspace),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    ready(workspace)  # count the inbox before the run takes it in
    deadline = time.monotonic() + 300
    while not ready(workspace):
        assert process.poll() is None, "the run finished before it could be killed"
        assert time.monotonic() < deadline, "the run never reached the kill point"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _archived(workspace: Path) -> int:
    archive = workspace / "archive"
    return sum(1 for p in archive.rglob("*") if p.is_file()) if archive.exists() else 0


def _delivered(folder: Path) -> list[Path]:
    """The delivered files in an inbox: not the manifest, not the receipts (hidden sidecars)."""
    return [p for p in folder.glob("*/*/*") if p.is_file() and not p.name.startswith(".")]


@functools.cache
def _distinct_deliveries(workspace: Path) -> int:
    """Files with different bytes in the inbox: each is archived once (repeats are not)."""
    return len({hashlib.sha256(p.read_bytes()).digest() for p in _delivered(workspace / "inbox")})


def _archiving_halfway(workspace: Path) -> bool:
    return _archived(workspace) >= _distinct_deliveries(workspace) // 2


def _delivery_reports(workspace: Path) -> int:
    reports = workspace / "reports"
    return sum(1 for _ in reports.glob("*.html")) if reports.exists() else 0


def _validating_and_loading(workspace: Path) -> bool:
    # every file archived, no delivery report yet: the feeds are being validated and loaded
    return _archived(workspace) >= _distinct_deliveries(workspace) and _delivery_reports(workspace) == 0


def _after_loading(workspace: Path) -> bool:
    # delivery reports are written once every delivery is loaded: purge, features, rules, lists follow
    return _delivery_reports(workspace) > 0


@pytest.mark.parametrize(
    "kill_point", [_archiving_halfway, _validating_and_loading, _after_loading], ids=lambda f: f.__name__
)
def test_a_run_killed_midway_and_run_again_equals_an_uninterrupted_run(
    prefect_server, tiny_region, tmp_path, kill_point, uninterrupted
):
    from flows.nightly import nightly

    workspace = _workspace(tiny_region, tmp_path / "killed")
    _kill_when(workspace, kill_point)
    assert not (workspace / "warehouse.duckdb").exists()  # the live warehouse was never touched
    assert sorted(p.name for p in _delivered(workspace / "inbox")) == sorted(
        p.name for p in _delivered(tiny_region / "inbox")
    ), "the inbox must be intact until a run has committed"

    # Run again without the manifest: the killed run recorded every receipt beside its file first.
    summary = nightly(str(workspace), TINY_AS_OF)

    reference, reference_counts = uninterrupted
    assert summary["status"] == "ok"
    assert _counts(workspace) == reference_counts
    assert _lists(workspace) == _lists(reference)


@pytest.fixture(scope="module")
def uninterrupted(prefect_server, tiny_region, tmp_path_factory):
    from flows.nightly import nightly

    workspace = _workspace(tiny_region, tmp_path_factory.mktemp("uninterrupted"))
    nightly(str(workspace), TINY_AS_OF, history_manifest=history_manifest(workspace))
    return workspace, _counts(workspace)
