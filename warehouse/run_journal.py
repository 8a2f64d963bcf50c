"""The nightly run's journal: what a killed run leaves for the next start to record or finish.

A run's warehouse writes go to a copy that is discarded when the run dies (warehouse/store.py), so
the run history in the warehouse cannot tell that a run was killed; and the steps after the swap
(the list files, the inbox, expired files) are files, outside any transaction. A small JSON file in
the workspace, `nightly.journal.json`, written whole and fsynced, can tell both:

* `running`: written when a run starts (with the step it is in). Found by the next start, the run
  was killed before its warehouse went live: a meta_run row with status `afgebroken` is written to
  the live warehouse, naming the step. Nothing else of the run is kept.
* `swapping`: written just before the swap, naming what is still to do once the new warehouse is
  live — put the list files (written to lists/.next/<as_of> before the swap) in place, clear the
  files taken in from the inbox (all archived), delete expired files. Found by the next start: if
  the live warehouse holds the run, those steps are done now (each is idempotent); if not, the run
  died before the rename and is recorded as `afgebroken`. Removed when the steps are done.

`vroeg runs` shows a run whose journal still says `swapping` as not finished.

At every start, under the nightly lock, leftovers are removed too: archive `*.part` files, receipt
`.part` files in the inbox, the working and compaction copies of the warehouse, list folders being
built or moved aside, and a temporary Prefect server the killed run had started. Paths in the
journal are relative to the workspace root, as in the warehouse.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.store import WarehouseBusy, durable_replace, fsync_dir, read_only, write_session
from warehouse.workspace import Workspace

JOURNAL = "nightly.journal.json"
ABORTED = "afgebroken"  # the meta_run status of a run killed before its warehouse went live


def journal_path(ws: Workspace) -> Path:
    return ws.root / JOURNAL


def read_journal(ws: Workspace) -> dict | None:
    path = journal_path(ws)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def write_journal(ws: Workspace, entry: dict) -> None:
    """Write the journal whole (a temporary file, fsynced, renamed; the folder fsynced)."""
    path = journal_path(ws)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str), encoding="utf-8")
    durable_replace(tmp, path)


def remove_journal(ws: Workspace) -> None:
    journal_path(ws).unlink(missing_ok=True)
    fsync_dir(ws.root)


@contextmanager
def nightly_lock(ws: Workspace) -> Iterator[None]:
    """One nightly run per workspace at a time (the journal belongs to the run holding this)."""
    ws.root.mkdir(parents=True, exist_ok=True)
    with open(ws.root / "nightly.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy(f"another nightly run is busy in {ws.root}") from exc
        yield


def run_is_live(ws: Workspace, run_id: str) -> bool:
    """Whether the live warehouse holds this run (its copy was swapped in)."""
    if not ws.warehouse.exists():
        return False
    with read_only(ws.warehouse) as con:
        return bool(con.execute("select count(*) from meta_run where run_id = ?", [run_id]).fetchall()[0][0])


def record_aborted(ws: Workspace, entry: dict) -> None:
    """A meta_run row 'afgebroken' for a run killed before its warehouse went live."""
    step = entry.get("step")
    reason = (
        "Het proces is gestopt"
        + (f" tijdens de stap {step}" if step else "")
        + ("; niets van deze run is vastgelegd, de volgende run heeft alles opnieuw gedaan")
    )
    with write_session(ws.warehouse) as con:
        con.execute("delete from meta_run where run_id = ?", [entry["run_id"]])
        con.execute(
            "insert into meta_run (run_id, flow_run_id, as_of_date, started_at, finished_at, status,"
            " status_reason, code_version, rules_version, config_version, model_version)"
            " values (?, ?, ?, ?, null, ?, ?, ?, ?, ?, null)",
            [
                entry["run_id"],
                entry.get("flow_run_id"),
                entry["as_of"],
                entry["started_at"],
                ABORTED,
                reason,
                entry["code_version"],
                entry["rules_version"],
                entry["config_version"],
            ],
        )


def remove_leftovers(ws: Workspace, keep_staged_lists: bool) -> None:
    """Files only a killed run leaves behind; none of them is read by anything."""
    if ws.archive.exists():
        for part in ws.archive.rglob("*.part"):
            part.chmod(0o644)
            part.unlink()
    if ws.inbox.exists():
        for part in ws.inbox.rglob(".*.part"):
            part.unlink()
    for name in ("next", "compact"):
        for suffix in ("duckdb", "duckdb.wal"):
            ws.warehouse.with_name(f"{ws.warehouse.stem}.{name}.{suffix}").unlink(missing_ok=True)
    journal_path(ws).with_name(JOURNAL + ".part").unlink(missing_ok=True)
    if ws.lists.exists():
        for folder in ws.lists.glob(".*.old"):
            shutil.rmtree(folder, ignore_errors=True)
        if not keep_staged_lists:
            shutil.rmtree(ws.lists / ".next", ignore_errors=True)


def prefect_servers_started_by_this_process() -> list[int]:
    """Process ids of temporary Prefect servers (`… prefect … server …` / uvicorn) that are children
    of this process; remembered in the journal so that a start after a killed run can stop them."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and "prefect" in cmdline and ("server" in cmdline or "uvicorn" in cmdline):
            found.append(int(proc.name))
    return found


def _stop_orphaned_servers(pids: list[int]) -> None:
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone already
        # still that server, and orphaned (adopted by init or a subreaper), not reused for another
        if "prefect" in cmdline and ppid != os.getpid() and not _alive_parent_is_nightly(ppid):
            os.kill(pid, signal.SIGTERM)


def _alive_parent_is_nightly(ppid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{ppid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return "nightly" in cmdline


def recover(ws: Workspace, finish: Callable[[dict], None]) -> str | None:
    """Record or finish what a killed run left (see the module docstring); returns what was done:
    None (nothing to do), 'afgebroken' or 'afgemaakt'. `finish(entry)` does the steps still to do
    after the swap. Call under `nightly_lock`."""
    entry = read_journal(ws)
    outcome = None
    if entry is not None:
        _stop_orphaned_servers(entry.get("prefect_servers", []))
        if entry["phase"] == "swapping" and run_is_live(ws, entry["run_id"]):
            finish(entry)
            outcome = "afgemaakt"
        else:
            record_aborted(ws, entry)
            outcome = ABORTED
    remove_leftovers(ws, keep_staged_lists=False)
    if entry is not None:
        remove_journal(ws)
    return outcome
