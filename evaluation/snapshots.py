"""Training snapshots: the household features of every month-end as known then, and their labels
once the label horizon has passed (mart_training_snapshot, migration 0020).

The nightly run records them (flows/record_snapshots.py) before the retention purge, so a refit
learns from the history the installation had: recomputing old month-ends from raw signals after
the purge would see only households that kept being signalled. At go-live (`vroeg nightly
--no-purge` with the delivered history) every month-end of that history is recorded at once.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from rules.schema import RuleSet
from rules.scorecard import ScorecardSpec
from rules.scoring import scored_features_sql
from signals.features import build_features
from warehouse.models import run_sql_file

SQL_DIR = Path(__file__).parent / "sql"

# The stage of an executed eviction (contract vocabulary of the ontruiming feed).
EXECUTED = "ontruiming_uitgevoerd"

_FIRST_PURGE = """
select min(r.as_of_date)
from meta_run as r inner join meta_run_step as s using (run_id)
where s.step = 'purge' and s.status = 'ok'
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


def due_snapshot_dates(con: duckdb.DuckDBPyConnection, as_of: date, spec: ScorecardSpec) -> list[date]:
    """Month-ends up to `as_of` not yet recorded that the warehouse can still reproduce: at least
    `min_history_days` after the first delivery, and not before the first retention purge (after it
    a past month-end would miss households whose signals have expired since)."""
    first_known = con.execute("select min(known_date) from int_signal__linked").fetchall()[0][0]
    if first_known is None:
        return []
    start = first_known + timedelta(days=spec.training.min_history_days)
    first_purge = con.execute(_FIRST_PURGE).fetchall()[0][0]
    if first_purge is not None:
        start = max(start, first_purge)
    stored = {d for (d,) in con.execute("select distinct as_of_date from mart_training_snapshot").fetchall()}
    return [d for d in month_ends(start, as_of) if d not in stored]


def record_snapshots(
    con: duckdb.DuckDBPyConnection, as_of: date, ruleset: RuleSet, spec: ScorecardSpec
) -> dict[str, int]:
    """Record the due month-ends and label the snapshots whose horizon has passed.

    Expects int_signal__linked to be up to date (signals.features.link_signals). Returns the number
    of month-ends recorded, their rows, and the rows labelled now.
    """
    dates = due_snapshot_dates(con, as_of, spec)
    built = {d for (d,) in con.execute("select distinct as_of_date from int_household__features").fetchall()}
    parameters = ruleset.features.model_dump(mode="json")
    rows = 0
    for day in dates:  # one set-based build per month-end (at go-live: every month of the history)
        if day not in built:
            build_features(con, day, parameters)
        con.execute(
            "insert into mart_training_snapshot by name "
            "select * from int_household__features where as_of_date = ?",
            [day],
        )
        rows += con.execute(
            "select count(*) from int_household__features where as_of_date = ?", [day]
        ).fetchall()[0][0]
        if day not in built:
            con.execute("delete from int_household__features where as_of_date = ?", [day])
    before = con.execute("select count(*) from mart_training_snapshot where label is not null").fetchall()[0][
        0
    ]
    run_sql_file(
        con,
        SQL_DIR / "label_snapshots.sql",
        {
            "as_of": as_of,
            "horizon": spec.label_horizon_days,
            "grace": spec.training.label_grace_days,
            "stages": list(spec.label_stages),
            "executed": EXECUTED,
        },
    )
    after = con.execute("select count(*) from mart_training_snapshot where label is not null").fetchall()[0][
        0
    ]
    return {"snapshots": len(dates), "rows": rows, "labelled": after - before}


def load_snapshots(
    con: duckdb.DuckDBPyConnection, spec: ScorecardSpec, first: date | None = None, last: date | None = None
) -> pl.DataFrame:
    """Every recorded snapshot row in [first, last] with the spec's combination columns and its
    label (null while not yet observed)."""
    sql, params = scored_features_sql(
        spec,
        "mart_training_snapshot",
        "as_of_date between coalesce($first, date '0001-01-01') and coalesce($last, date '9999-12-31')",
    )
    return con.sql(sql, params={**params, "first": first, "last": last}).pl()
