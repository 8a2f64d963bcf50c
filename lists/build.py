"""Assembling the list per wijkteam in DuckDB from features and rule hits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from rules.schema import RuleSet
from signals.registry import TeamConfig
from warehouse.models import run_sql_file

SQL = Path(__file__).parent / "sql" / "fct_list_entry.sql"


def build_lists(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    ruleset: RuleSet,
    teams: TeamConfig,
    run_id: str,
    code_version: str,
) -> int:
    """(Re)build the as-of partition of fct_list_entry; returns the number of entries."""
    tiers = pl.DataFrame(
        {
            "tier": list(ruleset.tiers),
            "tier_rank": list(range(1, len(ruleset.tiers) + 1)),
            "channel": [ruleset.channels[t] for t in ruleset.tiers],
        }
    )
    capacities = pl.DataFrame(
        {
            "wijkteam": [t.code for t in teams.teams],
            "capacity": [t.capacity_per_week for t in teams.teams],
        }
    )
    con.register("_tiers", tiers)
    con.register("_teams", capacities)
    try:
        run_sql_file(
            con,
            SQL,
            {
                "as_of": as_of,
                "default_capacity": teams.default_capacity_per_week,
                "rules_version": ruleset.version,
                "code_version": code_version,
                "run_id": run_id,
            },
        )
    finally:
        con.unregister("_tiers")
        con.unregister("_teams")
    return con.execute("select count(*) from fct_list_entry where as_of_date = ?", [as_of]).fetchall()[0][0]
