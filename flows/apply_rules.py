"""Flow: apply the rule catalogue and the scorecard to the household features of an as-of date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from rules.engine import apply_rules as apply
from rules.lanes import default_lanes
from rules.schema import default_ruleset
from rules.scoring import live_scorecard, score_households
from warehouse.store import connect


@task(cache_policy=NO_CACHE)
def fire_rules(working: str, as_of: date) -> int:
    con = connect(Path(working))
    try:
        return apply(con, default_ruleset(), as_of)
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def score(working: str, as_of: date, models_dir: str) -> tuple[int, str, str | None]:
    live = live_scorecard(Path(models_dir))
    con = connect(Path(working))
    try:
        return score_households(con, as_of, live.card), live.card.version, live.note
    finally:
        con.close()


@flow(name="apply-rules-and-score")
def apply_rules(working: str, as_of: date, models_dir: str) -> dict:
    """Rule hits and scores of `as_of`; `warnings` names every rule that does not hold on that day
    and every lane no valid rule can fill, `valid_rules` how many rules were applied."""
    ruleset = default_ruleset()
    hits = fire_rules(working, as_of)
    scored, model_version, note = score(working, as_of, models_dir)
    get_run_logger().info("rule hits=%s scored households=%s model=%s", hits, scored, model_version)
    return {
        "rule_hits": hits,
        "scored": scored,
        "model_version": model_version,
        "valid_rules": len(ruleset.valid_on(as_of)),
        "warnings": ruleset.validity_warnings(as_of, default_lanes()) + ([note] if note else []),
    }
