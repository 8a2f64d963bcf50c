"""The next start records a killed run and removes what it left (warehouse/run_journal.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb

from warehouse.run_journal import read_journal, recover, write_journal
from warehouse.workspace import Workspace

ENTRY = {
    "run_id": "r1",
    "flow_run_id": None,
    "as_of": "2026-10-31",
    "started_at": "2026-10-31T01:00:00+00:00",
    "code_version": "test",
    "rules_version": "v",
    "config_version": "c",
    "purge": True,
    "step": "features",
    "prefect_servers": [],
}


def test_a_run_killed_before_its_swap_is_recorded_afgebroken_and_its_leftovers_go(tmp_path):
    ws = Workspace(tmp_path)
    write_journal(ws, {**ENTRY, "phase": "running"})
    leftovers = [
        tmp_path / "archive" / "ab" / "ab12.part",
        tmp_path / "inbox" / "s" / "f" / ".x.csv.json.part",
        tmp_path / "warehouse.next.duckdb",
        tmp_path / "lists" / ".next" / "2026-10-31" / "t.csv",
        tmp_path / "lists" / ".2026-10-31.old" / "t.csv",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    (tmp_path / "archive" / "ab" / "ab12.part").chmod(0o444)
    kept = tmp_path / "lists" / "2026-10-31" / "t.csv"
    kept.parent.mkdir(parents=True)
    kept.write_text("published")

    assert recover(ws, finish=lambda entry: 1 / 0) == "afgebroken"

    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        (status, reason, finished), *others = con.execute(
            "select status, status_reason, finished_at from meta_run where run_id = 'r1'"
        ).fetchall()
    finally:
        con.close()
    assert (status, finished, others) == ("afgebroken", None, [])
    assert "features" in reason
    assert not [p for p in leftovers if p.exists()]
    assert kept.read_text() == "published"
    assert read_journal(ws) is None
    assert recover(ws, finish=lambda entry: 1 / 0) is None  # nothing left to do


def test_a_run_killed_after_its_swap_is_finished(tmp_path):
    ws = Workspace(tmp_path)
    con = duckdb.connect(str(ws.warehouse))
    con.execute("create table meta_run (run_id varchar)")
    con.execute("insert into meta_run values ('r1')")
    con.close()
    write_journal(ws, {**ENTRY, "phase": "swapping", "taken_in": []})
    finished = []
    assert recover(ws, finish=finished.append) == "afgemaakt"
    assert [e["run_id"] for e in finished] == ["r1"] and read_journal(ws) is None


SLEEP = "import time; time.sleep(120)"
ORPHAN = "prefect uvicorn </dev/null >/dev/null 2>&1"  # its command line names a Prefect server


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_temporary_prefect_server_of_a_killed_run_is_stopped(tmp_path):
    # an orphan (its parent shell has exited) whose command line is a Prefect server's
    pid_file = tmp_path / "server.pid"
    subprocess.run(
        [
            "sh",
            "-c",
            f'"{sys.executable}" -c "{SLEEP}" prefect uvicorn </dev/null >/dev/null 2>&1 & echo $! >"$0"',
            str(pid_file),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    pid = int(pid_file.read_text())
    assert _running(pid)
    ws = Workspace(tmp_path)
    write_journal(ws, {**ENTRY, "phase": "running", "prefect_servers": [pid, 2**22 + 7]})
    recover(ws, finish=lambda entry: None)
    deadline = time.monotonic() + 10
    while _running(pid):  # gone, or a zombie until its new parent reaps it
        assert time.monotonic() < deadline, "the orphaned server still runs"
        time.sleep(0.05)
