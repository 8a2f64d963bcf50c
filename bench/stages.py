"""The nightly stages on a world's warehouse, each timed, with its peak memory.

    python -m bench.stages <warehouse.duckdb> <workdir> <as_of>   (run by `python -m bench run`)

Runs in its own process so the peak RSS is this work's alone. Every stage opens and closes its
own connection and calls the same library function as its Prefect task (flows/*.py), so the
measured work is the pipeline's, minus Prefect's bookkeeping (measured separately, region scale).
Linking from scratch is measured once and left out of the nightly's figures (see below).
The scan floor is DuckDB summing a hash of every column of every table the feature build reads.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

TABLES_READ_BY_FEATURES = (
    "stg_huurachterstand",
    "stg_ontruiming",
    "stg_waterafsluiting",
    "stg_overlast",
    "stg_ggd_melding",
    "stg_ddas",
    "ref_address",
    "reg_contact_attempt",
    "reg_case_result",
)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakSampler:
    """Samples this process's RSS every 20 ms; `peak` since the last `reset`."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb())

    def reset(self) -> None:
        self.peak = rss_mb()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def scan_floor_sql(con) -> str:
    """sum(hash(column)) over every column of every table the feature build reads, one query."""
    parts = []
    for table in TABLES_READ_BY_FEATURES:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where table_name = ? order by column_index", [table]
            ).fetchall()
        ]
        sums = " + ".join(f'sum(hash("{c}"))' for c in columns)
        parts.append(f'select {sums} as s from "{table}"')  # noqa: S608 - catalogue names only
    return "select sum(s) from (" + " union all ".join(parts) + ")"  # noqa: S608


def run(db: Path, workdir: Path, as_of: date) -> dict:
    from flows.nightly import staged_lists  # noqa: F401 - the flows import cleanly (sanity)
    from indicators.compute import compute_indicators
    from indicators.config import indicator_config
    from indicators.report import store_reports
    from lists.build import build_lists
    from lists.export import export_lists
    from rules.engine import apply_rules
    from rules.schema import default_ruleset
    from rules.scorecard import load_prior
    from rules.scoring import score_households
    from signals.features import build_features, link_signals
    from signals.registry import teams
    from signals.retention import retention
    from warehouse.migrate import migrate
    from warehouse.store import connect

    sampler = PeakSampler()
    stages: dict[str, dict] = {}

    @contextmanager
    def stage(name: str):
        sampler.reset()
        record: dict = {}
        started = time.perf_counter()
        yield record
        record["seconds"] = round(time.perf_counter() - started, 3)
        record["peak_rss_mb"] = round(max(sampler.peak, rss_mb()))
        if record.get("rows_in"):
            record["rows_per_second"] = round(record["rows_in"] / max(record["seconds"], 1e-9))
        stages[name] = record

    con = connect(db)
    try:
        migrate(con)  # as the nightly's working copy is: a world built by older code gets the new schema
        floor_sql = scan_floor_sql(con)
        signal_rows = sum(
            con.execute(f'select count(*) from "{t}"').fetchall()[0][0]  # noqa: S608 - constant names
            for t in TABLES_READ_BY_FEATURES
        )
        con.execute(floor_sql).fetchall()  # warm the OS page cache the same way for every stage
    finally:
        con.close()

    with stage("scan_floor") as rec:
        con = connect(db)
        con.execute(floor_sql).fetchall()
        con.close()
        rec["rows_in"] = signal_rows

    ruleset = default_ruleset()
    # The nightly links incrementally (signals/sql/int_signal__linked.sql): last night's table is
    # there and only tonight's deliveries are new. The world is built once, so: link it from
    # scratch (what the first run, or a changed address register, costs; reported, not part of the
    # nightly), then forget the deliveries of the last day, which the measured stage links again.
    with stage("linking_from_scratch") as rec:
        con = connect(db)
        rec["rows_in"] = rec["rows_out"] = link_signals(con)
        con.execute(
            "create temp table _tonight as select delivery_id from int_signal__linked "
            "where known_date = (select max(known_date) from int_signal__linked)"
        )
        tonight = con.execute("select count(*), count(distinct delivery_id) from _tonight").fetchall()[0]
        # as before a night that has not linked them: neither their rows nor their bookkeeping
        con.execute("delete from int_signal__linked where delivery_id in (from _tonight)")
        con.execute("delete from int_signal__linked_delivery where delivery_id in (from _tonight)")
        con.close()
    with stage("features") as rec:  # as its task (flows/build_features.py): one connection
        con = connect(db)
        rec["rows_in"] = link_signals(con)
        rec["rows_linked_tonight"], rec["deliveries_linked_tonight"] = tonight
        rec["rows_out"] = build_features(con, as_of, ruleset.features.model_dump(mode="json"))
        con.close()
    households = stages["features"]["rows_out"]

    with stage("rules") as rec:
        con = connect(db)
        rec["rows_out"] = apply_rules(con, ruleset, as_of)
        con.close()
        rec["rows_in"] = households

    card = load_prior()  # what a fresh installation ranks with
    with stage("scoring") as rec:
        con = connect(db)
        rec["rows_out"] = score_households(con, as_of, card)
        con.close()
        rec["rows_in"] = households

    team_config = teams()
    with stage("lists_build") as rec:
        con = connect(db)
        rec["rows_out"] = build_lists(con, as_of, ruleset, team_config, "bench", "bench")
        con.close()
        rec["rows_in"] = households

    with stage("lists_export") as rec:
        con = connect(db)
        per_team = export_lists(
            con,
            as_of,
            workdir / "lists",
            [t.code for t in team_config.teams],
            {"run_id": "bench", "code_version": "bench", "rules_version": ruleset.version},
        )
        con.close()
        rec["rows_in"] = rec["rows_out"] = sum(per_team.values())
        rec["teams"] = len(per_team)

    with stage("indicators") as rec:  # as the nightly's step: the figures, then the reports drawn
        con = connect(db)
        result = compute_indicators(con, as_of, indicator_config(), retention())
        drawn_at = time.perf_counter()
        rec["reports_drawn"] = store_reports(con, indicator_config())
        rec["reports_seconds"] = round(time.perf_counter() - drawn_at, 3)
        con.close()
        rec["rows_out"] = result.rows
        rec["rows_in"] = stages["scan_floor"]["rows_in"]
    sampler.stop()
    return {"signal_table_rows": signal_rows, "households_with_features": households, "stages": stages}


def main() -> None:
    db, workdir, as_of = Path(sys.argv[1]), Path(sys.argv[2]), date.fromisoformat(sys.argv[3])
    result = run(db, workdir, as_of)
    print("BENCH-RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
