"""A nightly run killed at any point (SIGKILL to its process group, no clean-up) and run again
ends exactly where an uninterrupted run ends: every table, every list file, the inbox, the archive.

The kill points are named in warehouse/crash_points.py; `VROEG_CRASH_AT=<point>` kills the
nightly (a subprocess in its own session, as `vroeg nightly` runs it) there. One uninterrupted
run is the baseline for all points. What legitimately differs:
* run ids (`run_id`, `flow_run_id` columns; `run_id` in the lists' manifest.json) — random per run;
* wall-clock times: raw_delivery.loaded_at and .archive_purged_at, meta_schema_migration.applied_at,
  rpt_indicator_report.rendered_at
  (compared as set / not set);
* the run history (meta_run, meta_run_step, meta_run_warning): the killed run is in it too — as
  `afgebroken` when it died before its warehouse went live, else with its own status — and the
  newest run has the baseline's status. Its step counts differ when the killed run had already
  taken everything in.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TINY_AS_OF, history_manifest
from warehouse.crash_points import CRASH_POINTS

pytestmark = pytest.mark.flow

RUN_HISTORY = {"meta_run", "meta_run_step", "meta_run_warning"}
RUN_IDS = {"run_id", "flow_run_id"}
WALL_CLOCK = {"loaded_at", "archive_purged_at", "applied_at", "rendered_at"}
# the points before the rename of the warehouse copy: the killed run never went live
BEFORE_SWAP = set(CRASH_POINTS[: CRASH_POINTS.index("swap_marked") + 1])


def _workspace(tiny_region: Path, target: Path) -> Path:
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, target / part)
    return target


def _files(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _list_manifests(folder: Path) -> dict[str, dict]:
    return {
        p.relative_to(folder).as_posix(): {
            k: v for k, v in json.loads(p.read_text(encoding="utf-8")).items() if k != "run_id"
        }
        for p in folder.rglob("manifest.json")
    }


def _tables(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {}
        for (table,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall():
            if table in RUN_HISTORY:
                continue
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where table_name = ? order by column_index",
                    [table],
                ).fetchall()
            ]
            selected = ", ".join(
                f'"{c}" is not null' if c in WALL_CLOCK else f'"{c}"' for c in columns if c not in RUN_IDS
            )
            rows = con.execute(f'select {selected} from "{table}"').fetchall()  # noqa: S608 - catalogue
            tables[table] = sorted(rows, key=repr)
        runs = con.execute(
            "select status, status_reason, as_of_date, rules_version, config_version, model_version"
            " from meta_run order by started_at"
        ).fetchall()
        return tables, runs
    finally:
        con.close()


def _state(workspace: Path) -> dict:
    leftovers = [
        p.relative_to(workspace).as_posix()
        for p in workspace.rglob("*")
        if p.name.endswith(".part")
        or p.name in {".next", "nightly.journal.json", "warehouse.next.duckdb", "warehouse.compact.duckdb"}
        or p.name.endswith(".old")
    ]
    tables, runs = _tables(workspace / "warehouse.duckdb")
    return {
        "tables": tables,
        "runs": runs,
        "lists": _files(workspace / "lists"),
        "list_manifests": _list_manifests(workspace / "lists"),
        "inbox": _files(workspace / "inbox"),
        "archive": _files(workspace / "archive"),
        "leftovers": leftovers,
    }


# The nightly as `vroeg nightly` runs it, minus the flow runs' heartbeats (Prefect waits ~1 s per
# flow run for its heartbeat thread; flows/local.py): the same flow, a faster kill.
NIGHTLY = """
import sys
from datetime import date

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from flows.nightly import nightly

with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
    nightly(sys.argv[1], date.fromisoformat(sys.argv[2]), history_manifest=sys.argv[3])
"""


def _start_killed_nightly(workspace: Path, point: str) -> subprocess.Popen:
    env = {**os.environ, "VROEG_CRASH_AT": point, "PREFECT_LOGGING_LEVEL": "ERROR"}
    return subprocess.Popen(
        [sys.executable, "-c", NIGHTLY, str(workspace), TINY_AS_OF.isoformat(), history_manifest(workspace)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill takes every process of the run
    )


def _killed(process: subprocess.Popen, point: str) -> None:
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL, (point, process.returncode, stderr[-2000:])


@pytest.fixture(scope="module")
def uninterrupted(prefect_server, tiny_region, tmp_path_factory):
    from flows.nightly import nightly

    workspace = _workspace(tiny_region, tmp_path_factory.mktemp("uninterrupted"))
    summary = nightly(str(workspace), TINY_AS_OF, history_manifest=history_manifest(workspace))
    assert summary["status"] == "ok"
    return _state(workspace)


def test_every_kill_point_is_named_once_and_at_least_twenty():
    assert len(CRASH_POINTS) == len(set(CRASH_POINTS)) >= 20
    sources = "".join(
        p.read_text(encoding="utf-8")
        for folder in ("flows", "signals", "lists", "warehouse")
        for p in (Path(__file__).resolve().parents[2] / folder).rglob("*.py")
    )
    for point in CRASH_POINTS:
        assert f'crash_point("{point}")' in sources, point


def test_a_run_killed_at_any_point_and_run_again_equals_an_uninterrupted_run(
    prefect_server, tiny_region, tmp_path, uninterrupted
):
    from flows.nightly import nightly

    assert not uninterrupted["leftovers"]
    (baseline_run,) = uninterrupted["runs"]
    differences = {}

    # The next point's run is killed while this point's rerun runs (two processes, two cores).
    def start(point: str) -> subprocess.Popen:
        return _start_killed_nightly(_workspace(tiny_region, tmp_path / point), point)

    running = start(CRASH_POINTS[0])
    try:
        for i, point in enumerate(CRASH_POINTS):
            workspace = tmp_path / point
            _killed(running, point)
            if i + 1 < len(CRASH_POINTS):
                running = start(CRASH_POINTS[i + 1])
            assert (workspace / "nightly.journal.json").exists(), point  # what the next start finishes
            summary = nightly(str(workspace), TINY_AS_OF, history_manifest=history_manifest(workspace))
            state = _state(workspace)
            killed_run, rerun = state.pop("runs")
            expected = {part: value for part, value in uninterrupted.items() if part != "runs"}
            assert summary["recovered"] == ("afgebroken" if point in BEFORE_SWAP else "afgemaakt"), point
            assert rerun == baseline_run, point
            if point in BEFORE_SWAP:
                assert killed_run[0] == "afgebroken" and killed_run[1], point
            else:
                assert killed_run == baseline_run, point
            differing = [part for part in expected if state[part] != expected[part]]
            if differing:
                differences[point] = {
                    part: [t for t in state[part] if state[part][t] != expected[part].get(t)]
                    if isinstance(state[part], dict)
                    else state[part]
                    for part in differing
                }
            shutil.rmtree(workspace)
    finally:
        if running.poll() is None:  # a failed point: the next killed run is not waited for
            os.killpg(running.pid, signal.SIGKILL)
            running.wait()
    assert not differences, differences
