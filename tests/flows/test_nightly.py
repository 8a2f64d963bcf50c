"""The real nightly Prefect flow on the tiny synthetic region, against a real Prefect server."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from rules.scorecard import load_prior
from tests.conftest import TINY_AS_OF, history_manifest
from tests.golden.regenerate import GOLDEN, GOLDEN_INDICATORS, write_indicator_tables

pytestmark = pytest.mark.flow

TEAMS = 13


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def first_run(prefect_server, tiny_region, tmp_path_factory):
    from flows.nightly import nightly

    workspace = tmp_path_factory.mktemp("ws")
    for part in ("inbox", "reference", "registraties"):
        shutil.copytree(tiny_region / part, workspace / part)
    collect = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    try:
        summary = nightly(str(workspace), TINY_AS_OF, history_manifest=history_manifest(workspace))
    finally:
        root.removeHandler(collect)
        root.setLevel(old_level)
    return workspace, summary, collect.lines


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.*sv"))} | {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xlsx"))
    }


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
        return {t: con.execute(f'select count(*) from "{t}"').fetchall()[0][0] for t in tables}  # noqa: S608
    finally:
        con.close()


def test_a_list_for_each_of_the_13_teams_with_a_dutch_reason_per_entry(first_run):
    _, summary, _ = first_run
    lists = Path(summary["lists_dir"])
    assert len(list(lists.glob("*.csv"))) == TEAMS
    assert len(list(lists.glob("*.xlsx"))) == TEAMS
    entries = pl.concat([pl.read_csv(p, separator=";", infer_schema=False) for p in lists.glob("*.csv")])
    assert entries.height > 0
    assert entries["Reden 1"].null_count() == 0
    assert entries["Reden 1"].str.len_chars().min() > 10
    assert set(entries["Baan"]) <= {"Acuut", "Vroeg erop af"}


def test_each_list_records_the_versions_that_made_it(first_run):
    import json

    _, summary, _ = first_run
    lists = Path(summary["lists_dir"])
    manifest = json.loads((lists / "manifest.json").read_text(encoding="utf-8"))
    # a fresh installation: the prior scorecard ranks
    assert manifest["model_version"] == load_prior().version
    assert manifest["rules_version"] and manifest["code_version"] == "test"
    team = "zaanstad-poelenburg"
    sheet = pl.read_excel(lists / f"{team}.xlsx", sheet_name="Lijst", infer_schema_length=0)
    csv = pl.read_csv(lists / f"{team}.csv", separator=";", infer_schema=False)
    assert sheet.columns == csv.columns and sheet.height == csv.height
    account = dict(
        pl.read_excel(lists / f"{team}.xlsx", sheet_name="Verantwoording", infer_schema_length=0).iter_rows()
    )
    assert account["Wijkteam"] == team
    assert account["Versie scorekaart"] == load_prior().version
    assert account["Versie regels"] == manifest["rules_version"]
    assert account["Versie software"] == "test"


def test_lists_match_the_golden_files(first_run):
    _, summary, _ = first_run
    lists = Path(summary["lists_dir"])
    golden = sorted(p.name for p in GOLDEN.glob("*.csv"))
    assert golden, "no golden files: run `make golden`"
    assert sorted(p.name for p in lists.glob("*.csv")) == golden
    for name in golden:
        assert (lists / name).read_text(encoding="utf-8-sig") == (GOLDEN / name).read_text(
            encoding="utf-8-sig"
        ), f"{name} differs from the golden file; if intended, run `make golden` and review the diff"


def test_indicator_tables_match_the_golden_files(first_run, tmp_path):
    workspace, _, _ = first_run
    written = write_indicator_tables(workspace / "warehouse.duckdb", tmp_path)
    golden = sorted(p.name for p in GOLDEN_INDICATORS.glob("*.csv"))
    assert golden, "no golden indicator tables: run `make golden`"
    assert sorted(p.name for p in written) == golden
    for name in golden:
        assert (tmp_path / name).read_bytes() == (GOLDEN_INDICATORS / name).read_bytes(), (
            f"{name} differs from the golden file; if intended, run `make golden` and review the diff"
        )


def test_running_twice_gives_identical_lists_and_no_duplicate_rows(first_run):
    from flows.nightly import nightly

    workspace, summary, _ = first_run
    lists = Path(summary["lists_dir"])
    before_files = _digest(lists)
    before_rows = _counts(workspace / "warehouse.duckdb")
    again = nightly(str(workspace), TINY_AS_OF)
    assert again["intake"]["deliveries_new"] == 0
    assert _digest(lists) == before_files
    after_rows = _counts(workspace / "warehouse.duckdb")
    run_tables = {"meta_run", "meta_run_step", "meta_run_warning"}
    assert {t: n for t, n in after_rows.items() if t not in run_tables} == {
        t: n for t, n in before_rows.items() if t not in run_tables
    }
    assert after_rows["meta_run"] == before_rows["meta_run"] + 1
    # the per-date tables carry no primary-key index (migration 0017): their keys are unique by
    # construction, which this checks after two runs of the same date
    keys = {
        "int_household__features": "as_of_date, household_id",
        "int_household__score": "as_of_date, household_id",
        "int_rule_hit": "as_of_date, household_id, rule_id",
        "fct_list_entry": "as_of_date, wijkteam, household_id",
        "fct_wgs_followup": "as_of_date, feed, supplier_code, source_ref",
        "mart_training_snapshot": "as_of_date, household_id",
    }
    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as con:
        for table, key in keys.items():
            rows, distinct = con.execute(
                f"select count(*), count(distinct ({key})) from {table}"  # noqa: S608 - fixed names
            ).fetchall()[0]
            assert rows == distinct > 0, table


def test_every_delivered_row_is_loaded_or_quarantined(first_run):
    """Intake accounts for every row; the retention purge (part of the run) accounts for what it deleted."""
    from signals.retention import retention

    workspace, _, _ = first_run
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        bad = con.execute(
            "select count(*) from raw_delivery where rows_read <> rows_loaded + rows_quarantined"
        ).fetchall()[0][0]
        unaccounted = con.execute(
            """select count(*) from raw_delivery as d
               left join (select delivery_id, count(*) as present from raw_rows group by 1) as r
                   using (delivery_id)
               where coalesce(r.present, 0) + d.rows_purged <> d.rows_read and d.status = 'geaccepteerd'"""
        ).fetchall()[0][0]
        # within the quarantine term every quarantined row still has its findings
        term = {"as_of": TINY_AS_OF, "months": retention().quarantine_months}
        quarantined_rows = con.execute(
            """select count(distinct (delivery_id, line_no)) from quarantine_finding
               where line_no is not null and delivery_id in (
                   select delivery_id from raw_delivery where received_date > $as_of - to_months($months))""",
            term,
        ).fetchall()[0][0]
        total_quarantined = con.execute(
            "select sum(rows_quarantined) from raw_delivery "
            "where received_date > $as_of - to_months($months)",
            term,
        ).fetchall()[0][0]
        purged = con.execute("select sum(rows_purged) from raw_delivery").fetchall()[0][0]
    finally:
        con.close()
    assert bad == 0
    assert unaccounted == 0
    assert quarantined_rows == total_quarantined > 0
    assert purged > 0


def test_no_purged_row_is_left_in_the_warehouse_file(first_run):
    """The run purged expired rows and then compacted: storage holds only the visible rows."""
    from warehouse.store import rows_kept_on_disk

    workspace, summary, _ = first_run
    assert summary["purged"]
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
        kept = {t: rows_kept_on_disk(con, t) for t in tables}
    finally:
        con.close()
    assert all(stored == visible for visible, stored in kept.values()), kept


def test_no_ground_truth_is_readable_from_the_warehouse(first_run, tiny_region):
    """The latent state, the true household ids and the audit attributes never reach the warehouse."""
    workspace, _, _ = first_run
    truth = tiny_region / "ground_truth"
    latent_columns = set(pl.read_parquet_schema(truth / "latent.parquet")) - {
        "household_id",
        "month",
        "arrears_eur",
    }
    hidden = latent_columns | {
        "strain_baseline",
        "has_persistent_ontregeling",
        "age_band",
        "household_type",
        "second_household",
        "move_reason",
        "is_executed_eviction",
    }
    assert {"latent_risk", "strain", "ontregeling"} <= hidden
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        columns = {c for (c,) in con.execute("select column_name from duckdb_columns()").fetchall()}
        listed = {h for (h,) in con.execute("select distinct household_id from fct_list_entry").fetchall()}
    finally:
        con.close()
    assert not (columns & hidden)
    true_ids = {str(i) for i in pl.read_parquet(truth / "households.parquet")["household_id"].to_list()}
    assert listed and not (listed & true_ids)
    code = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in ("flows", "signals", "rules", "lists", "warehouse", "indicators")
        for p in (Path(__file__).resolve().parents[2] / folder).rglob("*.py")
    )
    assert "ground_truth" not in code


def test_no_bsn_name_or_phone_in_any_table_or_log_line(first_run, tiny_region, prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter

    workspace, _, lines = first_run
    persons = pl.read_parquet(tiny_region / "ground_truth" / "persons.parquet")
    secrets = set()
    for column in ("bsn", "achternaam", "telefoon", "email"):
        if column in persons.columns:
            secrets |= {v for v in persons[column].drop_nulls().to_list() if len(str(v)) >= 6}
    assert len(secrets) > 100
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        texts = []
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where table_name <> 'pii_contact'"
        ).fetchall():
            frame = con.sql(f'select columns(*)::varchar from "{table}"').pl()  # noqa: S608 - catalog names
            texts += [frame[c].drop_nulls().unique().to_list() for c in frame.columns]
    finally:
        con.close()
    stored = {v for column in texts for v in column}
    assert not (stored & {str(s) for s in secrets})

    async def server_logs():
        async with get_client() as client:
            return await client.read_logs(log_filter=LogFilter(), limit=200)

    import anyio

    logged = "\n".join(lines + [log.message for log in anyio.run(server_logs)])
    assert logged, "no log lines captured"
    leaked = [s for s in secrets if str(s) in logged]
    assert leaked == []
