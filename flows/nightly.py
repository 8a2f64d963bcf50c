"""The nightly run: ingest, training snapshots, purge, features, rules, lists, indicators — for one
as-of date — and its run record.

All writing to the warehouse happens on a working copy that is swapped in at the end (see
warehouse.store), so the portal keeps reading the previous version until the run is done, and a
run that dies leaves the warehouse as it was: running it again is always safe. The list files are
written beside the published ones and put in place after the swap; only then are the files that
were taken in cleared from the inbox (they are in the archive) and expired files deleted.
"""

from __future__ import annotations

import os
import shutil
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
from warehouse.retention import retention
from warehouse.runs import RunRecord
from warehouse.store import compact, connect, working_copy, write_session
from warehouse.workspace import Workspace, code_version, keep_files_private


def today_amsterdam() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def staged_lists(ws: Workspace) -> Path:
    """Where a run writes its list files before they are put in place."""
    return ws.lists / ".next"


@task(cache_policy=NO_CACHE)
def put_lists_in_place(workspace: str, as_of: date) -> str:
    """Replace lists/<as_of>/ by the run's freshly written folder (after the warehouse swap)."""
    ws = Workspace(Path(workspace))
    staged, final = staged_lists(ws) / as_of.isoformat(), ws.lists / as_of.isoformat()
    if staged.exists():
        old = ws.lists / f".{as_of.isoformat()}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(staged, final)
        shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staged_lists(ws), ignore_errors=True)
    return str(final)


@task(cache_policy=NO_CACHE)
def clear_inbox(taken_in: list[list]) -> int:
    """Remove the files this run took in (archived by hash) with their receipts, unless they changed since."""
    cleared = 0
    for path, sha256 in taken_in:
        file = Path(path)
        try:
            unchanged = file_sha256(file) == sha256
        except FileNotFoundError:
            continue
        if unchanged:
            file.unlink()
            sidecar(file).unlink(missing_ok=True)
            cleared += 1
    return cleared


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
    try:
        with working_copy(ws.warehouse) as working_path:
            working = str(working_path)
            with run.step("ingest") as step:
                intake = ingest_deliveries(
                    working, str(ws.root), as_of, history_manifest, history_from_file_names
                )
                step.rows_in, step.rows_out = intake["rows_read"], intake["rows_loaded"]
                run.warnings += [("ontvangst", "inbox", message) for message in intake["receipt_warnings"]]
                if not schema_present():  # the night runs; DDAS deliveries and exports say why not
                    run.warnings.append(("ddas", "schema", SCHEMA_MISSING_RUN_NL))
                run.warnings += [
                    ("versheid", w["supplier_code"], w["message_nl"]) for w in intake["freshness"]
                ]
            with run.step("snapshots") as step:
                recorded = record_snapshots(working, as_of)
                step.rows_in, step.rows_out = recorded["snapshots"], recorded["rows"]
            purged: dict[str, int] = {}
            if purge:
                with run.step("purge") as step:
                    purged = purge_expired_data(working, as_of)
                    step.rows_out = sum(n for t, n in purged.items() if t != "archives_marked")
            with run.step("features") as step:
                built = build_features(working, as_of)
                step.rows_in, step.rows_out = built["signals"], built["households"]
            with run.step("rules") as step:
                fired = apply_rules(working, as_of, str(ws.models))
                step.rows_in, step.rows_out = built["households"], fired["rule_hits"]
                run.model_version = fired["model_version"]
                run.warnings += [("regels", "catalogus", message) for message in fired["warnings"]]
            with run.step("lists") as step:
                shutil.rmtree(staged_lists(ws), ignore_errors=True)
                published = publish_lists(
                    working, as_of, str(staged_lists(ws)), run.run_id, run.code_version, str(ws.portal_state)
                )
                step.rows_in, step.rows_out = built["households"], published["entries"]
            with run.step("indicators") as step:
                indicators = compute_indicators(working, as_of)
                step.rows_out = indicators["rows"]
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
            if purged:
                compact(working_path)  # deleted rows' bytes do not stay in the file
    except Exception:
        run.status = "failed"
        run.status_reason = next((s.error_summary for s in run.steps if s.error_summary), "onbekende fout")
        with write_session(ws.warehouse) as con:
            run.save(con)
        raise
    # The warehouse of this run is live: now the files follow.
    lists_dir = put_lists_in_place(str(ws.root), as_of)
    cleared = clear_inbox(intake["taken_in"])
    swept = sweep_expired_files(str(ws.root), as_of) if purge else {}
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
    )
    logger.info("run %s for %s: %s", run.run_id, as_of, run.status)
    return summary
