"""Flow: record the month-ends' training snapshots and label those whose horizon has passed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from evaluation.snapshots import record_snapshots as record
from rules.schema import default_ruleset
from rules.scorecard import load_spec
from signals.features import link_signals
from warehouse.store import connect


@task(cache_policy=NO_CACHE)
def snapshots(working: str, as_of: date) -> dict[str, int]:
    con = connect(Path(working))
    try:
        link_signals(con)
        return record(con, as_of, default_ruleset(), load_spec())
    finally:
        con.close()


@flow(name="record-snapshots")
def record_snapshots(working: str, as_of: date) -> dict[str, int]:
    """Before the purge: a month-end's features must be taken while its signals are all there."""
    done = snapshots(working, as_of)
    get_run_logger().info(
        "snapshots=%s rows=%s labelled=%s", done["snapshots"], done["rows"], done["labelled"]
    )
    return done
