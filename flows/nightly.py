"""The nightly run: ingest, training snapshots, purge, features, rules, lists, indicators — for one
as-of date — and its run record.

All writing to the warehouse happens on a working copy that is swapped in at the end (see
warehouse.store), so the portal keeps reading the previous version until the run is done, and a
run that dies before the swap leaves the warehouse as it was: running it again is always safe.

The swap, the list files and the inbox are one recoverable unit (warehouse/run_journal.py):
* the list files are written, before the swap, to lists/.next/<as_of> (and fsynced); the published
  folder lists/<as_of> is replaced by it right after the swap, by two renames. The portal reads
  only the warehouse, never the lists folder; the teams' readers of the folder see a whole old or
  a whole new folder, never a half-written one;
* just before the swap the run's journal says what is still to do (lists in place, inbox cleared of
  the files taken in — they are in the archive — expired files deleted); it is removed when done.
  A kill in between leaves the new warehouse live with the old files only until the next start of
  the nightly, which finishes those steps first (each is idempotent) and then runs as usual; until
  then `vroeg runs` shows the run as not finished;
* a run killed before the swap is recorded as `afgebroken` by the next start (its warehouse copy
  is gone, the journal remembers it), and its leftovers are removed.
Kill points for tests: warehouse/crash_points.py.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.apply_rules import apply_rules
from flows.build_features import build_features
from flows.compute_indicators import compute_indicators
from flows.ingest_deliveries import ingest_deliveries
from flows.publish_lists import publish_lists
from flows.purge_expired_data import purge_expired_data, sweep_expired_files
from flows.record_snapshots import record_snapshots
from rules.schema import default_ruleset
from signals.ddas import SCHEMA_MISSING_RUN_NL, schema_present
from signals.receipts import file_sha256, sidecar
from signals.registry import suppliers, teams
from signals.retention import retention
from warehouse.crash_points import crash_point
from warehouse.run_journal import (
    nightly_lock,
    prefect_servers_started_by_this_process,
    read_journal,
    recover,
    remove_journal,
    write_journal,
)
from warehouse.runs import RunRecord
from warehouse.store import compact, connect, fsync_dir, fsync_file, working_copy, write_session
from warehouse.workspace import Workspace, code_version, keep_files_private


def today_amsterdam() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def staged_lists(ws: Workspace) -> Path:
    """Where a run writes its list files before they are put in place."""
    return ws.lists / ".next"


@task(cache_policy=NO_CACHE)
def put_lists_in_place(workspace: str, as_of: date) -> str:
    """Replace lists/<as_of>/ by the run's freshly written folder (after the warehouse swap).

    Idempotent: once the staged folder is in place there is nothing left to move."""
    ws = Workspace(Path(workspace))
    staged, final = staged_lists(ws) / as_of.isoformat(), ws.lists / as_of.isoformat()
    if staged.exists():
        old = ws.lists / f".{as_of.isoformat()}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        crash_point("lists_moving")
        os.replace(staged, final)
        fsync_dir(ws.lists)
        shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staged_lists(ws), ignore_errors=True)
    crash_point("lists_in_place")
    return str(final)


@task(cache_policy=NO_CACHE)
def clear_inbox(taken_in: list[list]) -> int:
    """Remove the files this run took in (archived by hash) with their receipts, unless they changed since."""
    cleared = 0
    for done, (path, sha256) in enumerate(taken_in, start=1):
        file = Path(path)
        try:
            unchanged = file_sha256(file) == sha256
        except FileNotFoundError:
            continue
        if unchanged:
            file.unlink()
            sidecar(file).unlink(missing_ok=True)
            cleared += 1
        if done == len(taken_in) // 2:
            crash_point("inbox_clearing")
    crash_point("inbox_cleared")
    return cleared


def _fsync_tree(folder: Path) -> None:
    if folder.exists():
        for path in folder.rglob("*"):
            if path.is_file():
                fsync_file(path)
        for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
            fsync_dir(path)


def finish_after_swap(ws: Workspace, entry: dict) -> tuple[str, int, dict]:
    """The steps after the swap, from the journal's entry: (lists folder, inbox files cleared,
    files swept). Also run by the next start when a run was killed between them."""
    as_of = date.fromisoformat(entry["as_of"])
    lists_dir = put_lists_in_place(str(ws.root), as_of)
    cleared = clear_inbox([[str(ws.resolve(path)), sha] for path, sha in entry["taken_in"]])
    swept = sweep_expired_files(str(ws.root), as_of) if entry["purge"] else {}
    crash_point("files_swept")
    remove_journal(ws)
    return lists_dir, cleared, swept


@flow(name="nightly")
def nightly(
    workspace: str = "data/demo",
    as_of: date | None = None,
    purge: bool = True,
    history_manifest: str | None = None,
    history_from_file_names: bool = False,
) -> dict:
    """Run the whole nightly path for `as_of` (default: today in Europe/Amsterdam).

    `purge=False` skips the retention purge: only for taking in a history at go-live (or the demo)
    so the first scorecard can be trained on it; every scheduled run purges.
    `history_manifest` (a CSV `path,received_at`) or `history_from_file_names` (`YYYY-MM-DD_...`)
    make this run a history import: the files they date are received then, not at first sight
    (signals/receipts.py). Never implied: a scheduled run has neither.
    """
    keep_files_private()  # the warehouse, archive, reports and lists: the owner's alone
    started = time.perf_counter()  # the flow body's own time, for the per-run overhead (bench.regions)
    logger = get_run_logger()
    ws = Workspace(Path(workspace).resolve())
    as_of = as_of or today_amsterdam()
    run = RunRecord(
        run_id=uuid.uuid4().hex[:16],
        flow_run_id=str(flow_run.id) if flow_run.id else None,
        as_of_date=as_of,
        code_version=code_version(),
        rules_version=default_ruleset().version,
        config_version=(
            f"teams {teams().version}; suppliers {suppliers().version}; retention {retention().version}"
        ),
    )
    summary: dict = {"run_id": run.run_id, "as_of": as_of.isoformat()}
    with nightly_lock(ws):
        recovered = recover(ws, lambda entry: finish_after_swap(ws, entry))
        if recovered:
            logger.warning("the previous run was killed; its journal: %s", recovered)
        journal = {
            "phase": "running",
            "run_id": run.run_id,
            "flow_run_id": run.flow_run_id,
            "as_of": as_of.isoformat(),
            "started_at": run.started_at.isoformat(),
            "code_version": run.code_version,
            "rules_version": run.rules_version,
            "config_version": run.config_version,
            "purge": purge,
            "step": None,
            "prefect_servers": prefect_servers_started_by_this_process(),
        }
        write_journal(ws, journal)
        crash_point("run_started")

        def step(name: str):
            write_journal(ws, {**journal, "step": name})
            return run.step(name)

        def mark_swap() -> None:
            # the list files are on disk before the journal says they only need moving
            _fsync_tree(staged_lists(ws))
            taken_in = [[ws.relative(Path(path)), sha] for path, sha in intake["taken_in"]]
            write_journal(ws, {**journal, "phase": "swapping", "step": None, "taken_in": taken_in})
            crash_point("swap_marked")

        try:
            with working_copy(ws.warehouse, before_swap=mark_swap) as working_path:
                working = str(working_path)
                with step("ingest") as record:
                    intake = ingest_deliveries(
                        working, str(ws.root), as_of, history_manifest, history_from_file_names
                    )
                    record.rows_in, record.rows_out = intake["rows_read"], intake["rows_loaded"]
                    run.warnings += [
                        ("ontvangst", "inbox", message) for message in intake["receipt_warnings"]
                    ]
                    if not schema_present():  # the night runs; DDAS deliveries and exports say why not
                        run.warnings.append(("ddas", "schema", SCHEMA_MISSING_RUN_NL))
                    run.warnings += [
                        ("versheid", w["supplier_code"], w["message_nl"]) for w in intake["freshness"]
                    ]
                crash_point("ingested")
                with step("snapshots") as record:
                    recorded = record_snapshots(working, as_of)
                    record.rows_in, record.rows_out = recorded["snapshots"], recorded["rows"]
                crash_point("snapshots_recorded")
                purged: dict[str, int] = {}
                if purge:
                    with step("purge") as record:
                        purged = purge_expired_data(working, as_of)
                        record.rows_out = sum(n for t, n in purged.items() if t != "archives_marked")
                crash_point("purged")
                with step("features") as record:
                    built = build_features(working, as_of)
                    record.rows_in, record.rows_out = built["signals"], built["households"]
                crash_point("features_built")
                with step("rules") as record:
                    fired = apply_rules(working, as_of, str(ws.models))
                    record.rows_in, record.rows_out = built["households"], fired["rule_hits"]
                    run.model_version = fired["model_version"]
                    run.warnings += [("regels", "catalogus", message) for message in fired["warnings"]]
                crash_point("rules_applied")
                with step("lists") as record:
                    shutil.rmtree(staged_lists(ws), ignore_errors=True)
                    published = publish_lists(
                        working,
                        as_of,
                        str(staged_lists(ws)),
                        run.run_id,
                        run.code_version,
                        str(ws.portal_state),
                    )
                    record.rows_in, record.rows_out = built["households"], published["entries"]
                crash_point("lists_staged")
                with step("indicators") as record:
                    indicators = compute_indicators(working, as_of)
                    record.rows_out = indicators["rows"]
                crash_point("indicators_computed")
                reasons = []
                if intake["rejected"]:
                    reasons.append("Afgewezen leveringen: " + " | ".join(intake["rejected"]))
                if not fired["valid_rules"]:
                    # the lists are published, but no rule reasoned or routed anyone: not a normal night
                    reasons.append(
                        "Geen enkele regel geldt op deze peildatum: de lijsten zijn zonder regels gemaakt"
                    )
                run.status = "partial" if reasons else "ok"
                run.status_reason = " | ".join(reasons) or None
                con = connect(working_path)
                try:
                    run.save(con)
                finally:
                    con.close()
                crash_point("run_saved")
                if purged:
                    compact(working_path)  # deleted rows' bytes do not stay in the file
                crash_point("compacted")
        except Exception:
            run.status = "failed"
            run.status_reason = next(
                (s.error_summary for s in run.steps if s.error_summary), "onbekende fout"
            )
            with write_session(ws.warehouse) as con:
                run.save(con)
            remove_journal(ws)  # the run is recorded as failed; its copy is gone
            shutil.rmtree(staged_lists(ws), ignore_errors=True)
            raise
        # The warehouse of this run is live: now the files follow (the journal knows them).
        lists_dir, cleared, swept = finish_after_swap(ws, read_journal(ws))
    summary.update(
        status=run.status,
        intake={k: v for k, v in intake.items() if k != "taken_in"},
        lists_dir=lists_dir,
        per_team=published["per_team"],
        status_reason=run.status_reason,
        warnings=[w[2] for w in run.warnings],
        purged={
            **{t: n for t, n in purged.items() if t != "archives_marked"},
            **{k: n for k, n in swept.items() if n},
        },
        inbox_cleared=cleared,
        recovered=recovered,
    )
    logger.info("run %s for %s: %s", run.run_id, as_of, run.status)
    summary["flow_seconds"] = round(time.perf_counter() - started, 3)
    return summary
