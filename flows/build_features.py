"""Flow: link signals to households and compute the household features as of a date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from rules.schema import default_ruleset
from signals.features import build_features as compute_features
from signals.features import link_signals as link
from warehouse.store import connect


@task(cache_policy=NO_CACHE)
def link_signals(working: str) -> int:
    con = connect(Path(working))
    try:
        return link(con)
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def household_features(working: str, as_of: date) -> int:
    con = connect(Path(working))
    try:
        return compute_features(con, as_of, default_ruleset().features.model_dump(mode="json"))
    finally:
        con.close()


@flow(name="build-features")
def build_features(working: str, as_of: date) -> dict[str, int]:
    signals = link_signals(working)
    households = household_features(working, as_of)
    get_run_logger().info("signals=%s households with features=%s", signals, households)
    return {"signals": signals, "households": households}
