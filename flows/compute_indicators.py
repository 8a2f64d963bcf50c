"""Flow: compute the evaluators' indicators (aggregates) on the run's working copy of the warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from indicators.compute import compute_indicators as compute
from indicators.config import indicator_config
from indicators.report import store_reports
from signals.retention import retention
from warehouse.store import connect


@task(cache_policy=NO_CACHE)
def store_indicators(working: str, as_of: date) -> dict:
    con = connect(Path(working))
    try:
        config = indicator_config()
        result = compute(con, as_of, config, retention())
        drawn = store_reports(con, config)
    finally:
        con.close()
    return {"years": result.years, "rows": result.rows, "reports_drawn": drawn}


@flow(name="compute-indicators")
def compute_indicators(working: str, as_of: date) -> dict:
    stored = store_indicators(working, as_of)
    get_run_logger().info(
        "indicator rows=%s years=%s reports drawn=%s",
        stored["rows"],
        stored["years"],
        stored["reports_drawn"],
    )
    return stored
