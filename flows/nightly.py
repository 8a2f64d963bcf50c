"""The nightly run: ingest, features, rules, lists — for one as-of date — and its run record.

All writing happens on a working copy of the warehouse that is swapped in at the end (see
warehouse.store), so the portal keeps reading the previous version until the run is done, and a
run that dies leaves the warehouse as it was: running it again is always safe.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.apply_rules import apply_rules
from flows.build_features import build_features
from flows.ingest_deliveries import ingest_deliveries
from flows.publish_lists import publish_lists
from rules.schema import default_ruleset
from signals.registry import suppliers, teams
from warehouse.runs import RunRecord
from warehouse.store import connect, working_copy, write_session
from warehouse.workspace import Workspace, code_version


def today_amsterdam() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


@flow(name="nightly")
def nightly(workspace: str = "data/demo", as_of: date | None = None) -> dict:
    """Run the whole nightly path for `as_of` (default: today in Europe/Amsterdam)."""
    logger = get_run_logger()
    ws = Workspace(Path(workspace).resolve())
    as_of = as_of or today_amsterdam()
    run = RunRecord(
        run_id=uuid.uuid4().hex[:16],
        flow_run_id=str(flow_run.id) if flow_run.id else None,
        as_of_date=as_of,
        code_version=code_version(),
        rules_version=default_ruleset().version,
        config_version=f"teams {teams().version}; suppliers {suppliers().version}",
    )
    summary: dict = {"run_id": run.run_id, "as_of": as_of.isoformat()}
    try:
        with working_copy(ws.warehouse) as working_path:
            working = str(working_path)
            with run.step("ingest") as step:
                intake = ingest_deliveries(working, str(ws.root))
                step.rows_in, step.rows_out = intake["rows_read"], intake["rows_loaded"]
            with run.step("features") as step:
                built = build_features(working, as_of)
                step.rows_in, step.rows_out = built["signals"], built["households"]
            with run.step("rules") as step:
                fired = apply_rules(working, as_of, str(ws.models))
                step.rows_in, step.rows_out = built["households"], fired["rule_hits"]
                run.model_version = fired["model_version"]
            with run.step("lists") as step:
                published = publish_lists(working, as_of, str(ws.lists), run.run_id, run.code_version)
                step.rows_in, step.rows_out = built["households"], published["entries"]
            run.status = "partial" if intake["rejected"] else "ok"
            if intake["rejected"]:
                run.status_reason = "Afgewezen leveringen: " + " | ".join(intake["rejected"])
            con = connect(working_path)
            try:
                run.save(con)
            finally:
                con.close()
    except Exception:
        run.status = "failed"
        run.status_reason = next((s.error_summary for s in run.steps if s.error_summary), "onbekende fout")
        with write_session(ws.warehouse) as con:
            run.save(con)
        raise
    summary.update(
        status=run.status,
        intake=intake,
        lists_dir=str(ws.lists / as_of.isoformat()),
        per_team=published["per_team"],
        status_reason=run.status_reason,
    )
    logger.info("run %s for %s: %s", run.run_id, as_of, run.status)
    return summary
