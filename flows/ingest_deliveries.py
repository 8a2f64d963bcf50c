"""Flow: take what arrived in the inbox into the warehouse (archive, parse, validate, load).

Every file's receipt (its knowledge date) is recorded beside it before anything is taken in
(signals/receipts.py): first sight for a drop-folder file, or the history import's date when the
run was started with one.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from rich.progress import Progress

from signals.addresses import load_reference
from signals.freshness import stale_suppliers
from signals.intake import ingest_files
from signals.pseudonymise import pseudonym_key
from signals.receipts import History, discover_inbox, first_sight_moment, read_history_manifest
from signals.registrations import load_portal_registrations, load_registrations
from signals.registry import suppliers
from warehouse.crash_points import crash_point
from warehouse.store import connect
from warehouse.workspace import Workspace


def _only_on_oserror(task, task_run, state) -> bool:
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return True


@task(
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_only_on_oserror,
)
def refresh_reference(working: str, reference_dir: str) -> int:
    con = connect(Path(working))
    try:
        return load_reference(con, Path(reference_dir))
    finally:
        con.close()


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_only_on_oserror)
def refresh_registrations(working: str, workspace: str) -> tuple[int, int]:
    """The previous system's files (source 'import'), then the portal's registrations (source 'portal')."""
    ws = Workspace(Path(workspace))
    con = connect(Path(working))
    try:
        attempts, results = load_registrations(con, ws.root / "registraties")
        from_portal = load_portal_registrations(con, ws.portal_state)
    finally:
        con.close()
    if from_portal:
        attempts, results = attempts + from_portal[0], results + from_portal[1]
    return attempts, results


@task(cache_policy=NO_CACHE)
def ingest_inbox(
    working: str,
    workspace: str,
    as_of: date,
    history_manifest: str | None = None,
    history_from_file_names: bool = False,
) -> dict:
    ws = Workspace(Path(workspace))
    manifest = read_history_manifest(Path(history_manifest), ws.inbox) if history_manifest else None
    scan = discover_inbox(ws.inbox, first_sight_moment(as_of), History(manifest, history_from_file_names))
    files = scan.files
    crash_point("receipts_recorded")
    con = connect(Path(working))
    try:
        with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
            job = bar.add_task("Leveringen inlezen", total=len(files))
            records = ingest_files(
                con,
                files,
                ws.archive,
                pseudonym_key(ws.root),
                progress=lambda done, total: bar.update(job, completed=done),
                reports_dir=ws.reports,
            )
    finally:
        con.close()
    rejected = [r for r in records if r.status == "afgewezen"]
    return {
        "files_seen": len(files),
        "files_first_seen": scan.first_sighted,
        "deliveries_new": len(records),
        "deliveries_rejected": len(rejected),
        "rows_read": sum(r.rows_read for r in records),
        "rows_loaded": sum(r.rows_loaded for r in records),
        "rows_quarantined": sum(r.rows_quarantined for r in records),
        "rejected": [f"{r.supplier_code}/{r.feed}: {r.rejection_reason}" for r in rejected],
        "receipt_warnings": scan.warnings_nl(),
        # What was taken in: cleared from the inbox once the run's warehouse has been swapped in.
        "taken_in": [[str(f.path), f.sha256] for f in files],
    }


@task(cache_policy=NO_CACHE)
def check_freshness(working: str, as_of: date) -> list[dict[str, str]]:
    con = connect(Path(working))
    try:
        return [vars(w) for w in stale_suppliers(con, suppliers(), as_of)]
    finally:
        con.close()


@flow(name="ingest-deliveries")
def ingest_deliveries(
    working: str,
    workspace: str,
    as_of: date,
    history_manifest: str | None = None,
    history_from_file_names: bool = False,
) -> dict:
    """Reference table first (linking needs it), then every new file in the inbox; then freshness.

    `history_manifest` / `history_from_file_names`: a history import dates the files it names
    (signals/receipts.py); without them a file's receipt is its upload or its first sight.
    """
    logger = get_run_logger()
    addresses = refresh_reference(working, str(Path(workspace) / "reference"))
    summary = ingest_inbox(working, workspace, as_of, history_manifest, history_from_file_names)
    attempts, results = refresh_registrations(working, workspace)
    summary["freshness"] = check_freshness(working, as_of)
    for warning in summary["freshness"]:
        logger.warning("versheid: %s", warning["message_nl"])
    logger.info(
        "registrations: %s attempts, %s results; addresses=%s new deliveries=%s rejected=%s "
        "rows read=%s loaded=%s quarantined=%s",
        attempts,
        results,
        addresses,
        summary["deliveries_new"],
        summary["deliveries_rejected"],
        summary["rows_read"],
        summary["rows_loaded"],
        summary["rows_quarantined"],
    )
    return summary
