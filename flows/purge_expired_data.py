"""Flow: delete personal data whose retention term has passed (config/retention.yaml).

The warehouse part runs on the run's working copy; the files (archive, reports, data docs, list
folders) are swept only after that copy has been swapped in, together with the coordinators'
notes in the portal's own file (portal/state/notes.py). Logs counts, never contents.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from rules.schema import default_ruleset
from signals.retention import purge_expired, retention, sweep_files
from warehouse.store import connect, read_only
from warehouse.workspace import Workspace


@task(cache_policy=NO_CACHE)
def purge_tables(working: str, purge_date: date) -> dict[str, int]:
    con = connect(Path(working))
    try:
        result = purge_expired(con, purge_date, retention(), default_ruleset())
    finally:
        con.close()
    return {**{t: n for t, n in result.deleted.items() if n}, "archives_marked": result.archives_marked}


@flow(name="purge-expired-data")
def purge_expired_data(working: str, purge_date: date) -> dict[str, int]:
    """Delete expired rows from every table of the working copy; returns counts per table."""
    counts = purge_tables(working, purge_date)
    get_run_logger().info("retention %s, purge date %s: deleted %s", retention().version, purge_date, counts)
    return counts


def purge_portal_notes(portal_state: Path, purge_date: date) -> int:
    """Delete the expired notes (and those of withdrawn attempts) from portal.sqlite, if there is one."""
    if not portal_state.exists():
        return 0
    from portal.state.notes import purge_expired_notes
    from portal.state.store import open_state

    con = open_state(portal_state)
    try:
        return purge_expired_notes(con, purge_date, retention().notes_months)
    finally:
        con.close()


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def sweep_expired_files(workspace: str, purge_date: date) -> dict[str, int]:
    """After the swap: delete archived files, reports, data docs and list folders that expired."""
    ws = Workspace(Path(workspace))
    with read_only(ws.warehouse) as con:
        swept = sweep_files(con, purge_date, retention(), ws.reports, ws.lists, ws.root)
    counts = dict(vars(swept))
    counts["portal_notes"] = purge_portal_notes(ws.portal_state, purge_date)
    get_run_logger().info("retention: files and portal notes deleted %s", counts)
    return counts
