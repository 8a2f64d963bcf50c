"""Flow: apply the rule catalogue to the household features of an as-of date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from rules.engine import apply_rules as apply
from rules.schema import default_ruleset
from warehouse.store import connect


@task(cache_policy=NO_CACHE)
def fire_rules(working: str, as_of: date) -> int:
    con = connect(Path(working))
    try:
        return apply(con, default_ruleset(), as_of)
    finally:
        con.close()


@flow(name="apply-rules")
def apply_rules(working: str, as_of: date) -> dict[str, int]:
    hits = fire_rules(working, as_of)
    get_run_logger().info("rule hits=%s", hits)
    return {"rule_hits": hits}
