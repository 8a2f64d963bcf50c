"""Flow: assemble the list per wijkteam and write it as CSV and XLSX."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from lists.build import build_lists
from lists.export import export_lists
from rules.schema import default_ruleset
from signals.registry import teams
from warehouse.store import connect


@task(cache_policy=NO_CACHE)
def assemble_lists(working: str, as_of: date, run_id: str, code_version: str) -> int:
    con = connect(Path(working))
    try:
        return build_lists(con, as_of, default_ruleset(), teams(), run_id, code_version)
    finally:
        con.close()


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def write_list_files(
    working: str, as_of: date, lists_dir: str, versions: dict[str, str], state_path: str | None
) -> dict[str, int]:
    con = connect(Path(working))
    try:
        codes = [t.code for t in teams().teams]
        return export_lists(
            con, as_of, Path(lists_dir), codes, versions, Path(state_path) if state_path else None
        )
    finally:
        con.close()


@flow(name="publish-lists")
def publish_lists(
    working: str, as_of: date, lists_dir: str, run_id: str, code_version: str, state_path: str | None = None
) -> dict:
    """`state_path`: the portal's file, for the status columns (assigned worker, lane override)."""
    entries = assemble_lists(working, as_of, run_id, code_version)
    versions = {
        "run_id": run_id,
        "code_version": code_version,
        "rules_version": default_ruleset().version,
        "teams_version": teams().version,
    }
    per_team = write_list_files(working, as_of, lists_dir, versions, state_path)
    get_run_logger().info("list entries=%s teams=%s", entries, len(per_team))
    return {"entries": entries, "per_team": per_team}
