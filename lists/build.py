"""Assembling the list per wijkteam in DuckDB: the Wgs follow-up duty, then the lanes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from rules.lanes import NOT_YET, PICKED_UP, LaneSet, default_lanes
from rules.schema import MONTHS_NL, RuleSet
from signals.contracts import FEEDS, load_contract
from signals.registrations import not_picked_up_results
from signals.registry import TeamConfig
from warehouse.models import run_sql_file

SQL_DIR = Path(__file__).parent / "sql"


def build_wgs_followup(
    con: duckdb.DuckDBPyConnection, as_of: date, ruleset: RuleSet, lanes: LaneSet | None = None
) -> int:
    """(Re)build the as-of partition of fct_wgs_followup; returns the number of financial signals."""
    lanes = lanes or default_lanes()
    run_sql_file(
        con,
        SQL_DIR / "fct_wgs_followup.sql",
        {
            "as_of": as_of,
            "financial_window_days": ruleset.features.financial_window_days,
            "channel": lanes.wgs_followup.channel,
            "picked_up": PICKED_UP,
            "not_yet": NOT_YET,
            "not_picked_up": list(not_picked_up_results()),
        },
    )
    return con.execute("select count(*) from fct_wgs_followup where as_of_date = ?", [as_of]).fetchall()[0][0]


def build_lists(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    ruleset: RuleSet,
    teams: TeamConfig,
    run_id: str,
    code_version: str,
    lanes: LaneSet | None = None,
) -> int:
    """(Re)build the as-of partitions of fct_wgs_followup and fct_list_entry; returns the entries."""
    lanes = lanes or default_lanes()
    build_wgs_followup(con, as_of, ruleset, lanes)
    capacities = pl.DataFrame(
        {
            "wijkteam": [t.code for t in teams.teams],
            "capacity": [t.capacity_per_week for t in teams.teams],
        }
    )
    feeds = pl.DataFrame({"feed": list(FEEDS), "title": [load_contract(f).title for f in FEEDS]})
    con.register("_lanes", lanes.frame())
    con.register("_teams", capacities)
    con.register("_feeds", feeds)
    try:
        run_sql_file(
            con,
            SQL_DIR / "fct_list_entry.sql",
            {
                "as_of": as_of,
                "default_capacity": teams.default_capacity_per_week,
                "default_lane": lanes.default_lane,
                "rules_version": f"{ruleset.version}; banen {lanes.version}",
                "code_version": code_version,
                "run_id": run_id,
                "months": list(MONTHS_NL),
                "risk_rise_min": lanes.changes.risk_rise_min,
            },
        )
    finally:
        con.unregister("_lanes")
        con.unregister("_teams")
        con.unregister("_feeds")
    return con.execute("select count(*) from fct_list_entry where as_of_date = ?", [as_of]).fetchall()[0][0]
