"""Snapshots for training and evaluation: features, rule hits and labels per monthly as-of date."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import polars as pl

from rules.engine import apply_rules
from rules.schema import RuleSet
from rules.scorecard import ScorecardSpec
from signals.features import build_features

LABEL_QUERY = """
-- label: the address reaches one of $stages within $horizon days after the as-of date
select f.household_id,
       exists (
           select 1 from stg_ontruiming as o
           where o.address_key = f.address_key and list_contains($stages, o.stage)
             and o.stage_date > f.as_of_date and o.stage_date <= f.as_of_date + to_days($horizon)
       ) as label
from int_household__features as f
where f.as_of_date = $as_of
"""

RULES_QUERY = """
select household_id, min(t.tier_rank) as rule_tier_rank, sum(points) as rule_points
from int_rule_hit as h inner join _tiers as t using (tier)
where as_of_date = $as_of
group by household_id
"""


def month_ends(first: date, last: date) -> list[date]:
    """Last days of the months from `first`'s month through `last`'s month, within [first, last]."""
    out, cursor = [], date(first.year, first.month, 1)
    while cursor <= last:
        nxt = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        if first <= end <= last:
            out.append(end)
        cursor = nxt
    return out


def snapshot_dates(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, spec: ScorecardSpec) -> list[date]:
    """Month ends with a full lookback behind them and an observed label horizon ahead."""
    first, last = con.execute("select min(known_date), max(known_date) from int_signal__linked").fetchall()[0]
    start = first + timedelta(days=ruleset.features.lookback_days)
    stop = last - timedelta(days=spec.label_horizon_days)
    return month_ends(start, stop)


def snapshots(
    con: duckdb.DuckDBPyConnection, dates: list[date], ruleset: RuleSet, spec: ScorecardSpec
) -> pl.DataFrame:
    """Features, rule tier/points and label of every signalled household on every date."""
    parameters = ruleset.features.model_dump(mode="json")
    tiers = pl.DataFrame({"tier": list(ruleset.tiers), "tier_rank": list(range(1, len(ruleset.tiers) + 1))})
    con.register("_tiers", tiers)
    frames = []
    try:
        for as_of in dates:
            build_features(con, as_of, parameters)
            apply_rules(con, ruleset, as_of)
            features = con.sql(
                "select * from int_household__features where as_of_date = ?", params=[as_of]
            ).pl()
            labels = con.sql(
                LABEL_QUERY,
                params={
                    "as_of": as_of,
                    "stages": list(spec.label_stages),
                    "horizon": spec.label_horizon_days,
                },
            ).pl()
            rules = con.sql(RULES_QUERY, params={"as_of": as_of}).pl()
            frames.append(
                features.join(labels, on="household_id", how="left")
                .join(rules, on="household_id", how="left")
                .with_columns(
                    pl.col("rule_tier_rank").fill_null(len(ruleset.tiers)),
                    pl.col("rule_points").fill_null(0),
                )
            )
    finally:
        con.unregister("_tiers")
    return pl.concat(frames, how="diagonal_relaxed").sort("as_of_date", "household_id")
