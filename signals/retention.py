"""Retention: deleting personal data whose term (config/retention.yaml) has passed.

`purge_expired` works set-based in DuckDB on the working copy of a run: it decides what has
expired as of a date, deletes it from every table that holds it, and marks archived files whose
rows are all gone. Files (archive, reports, list folders, data docs) are deleted only after the
working copy has been swapped in (`sweep_files`), so a run that dies never leaves the warehouse
pointing at deleted files; the sweep is idempotent and catches up on the next run.

Counts are logged; contents never are.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.schema import RuleSet
from signals.contracts import FEEDS
from signals.features import link_signals
from signals.registry import config_dir
from warehouse.workspace import Workspace


class SignalTerm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    months: int = Field(gt=0)
    after: Literal["household_last_signal", "signal_date"]


class RetentionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    signals: dict[str, SignalTerm]
    quarantine_months: int = Field(gt=0)
    lists_months: int = Field(gt=0)
    registrations_months: int = Field(gt=0)
    notes_months: int = Field(gt=0)  # portal.sqlite contact_note (portal/state/notes.py)
    training_snapshot_months: int = Field(gt=0)
    backups_kept: int = Field(gt=0)  # `vroeg backup` keeps this many (warehouse/backup.py)
    ddas_exports_months: int = Field(gt=0)  # <workspace>/exports: record-level DDAS files

    @model_validator(mode="after")
    def _every_feed(self) -> RetentionConfig:
        missing = set(FEEDS) - set(self.signals)
        unknown = set(self.signals) - set(FEEDS)
        if missing or unknown:
            raise ValueError(
                f"retention terms: missing feeds {sorted(missing)}, unknown feeds {sorted(unknown)}"
            )
        return self


@cache
def retention() -> RetentionConfig:
    return RetentionConfig.model_validate(
        yaml.safe_load((config_dir() / "retention.yaml").read_text(encoding="utf-8"))
    )


def _term_days(months: int) -> int:
    return round(months * 365.25 / 12)


def windows_within_terms(config: RetentionConfig, ruleset: RuleSet) -> list[str]:
    """Feature windows that look further back than the data they count is kept (should be none)."""
    w = ruleset.features
    problems = []
    shortest = min(t.months for t in config.signals.values() if t.after == "household_last_signal")
    if w.lookback_days > _term_days(shortest):
        problems.append(f"lookback_days {w.lookback_days} > retention {shortest} months")
    ggd = config.signals["ggd_melding"].months
    for name in ("ggd_window_days", "short_window_days"):
        if getattr(w, name) > _term_days(ggd):
            problems.append(f"{name} {getattr(w, name)} > GGD retention {ggd} months")
    return problems


@dataclass
class PurgeResult:
    purge_date: date
    deleted: dict[str, int] = field(default_factory=dict)
    archives_marked: int = 0

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


_EXPIRED_SIGNALS = """
create or replace temp table _expired_signal as
with known as (
    -- households without their ids: hashing every signal's household costs seconds at country scale
    select feed, supplier_code, source_ref, event_date, address_key, household_person
    from household_signal($purge_date)
),
last_signal as (
    select address_key, household_person, max(event_date) as last_signal_date
    from known
    group by address_key, household_person
),
open_trajectory as (
    select distinct address_key
    from reg_case_result
    where result_date <= $purge_date and result_date > $purge_date - to_days($trajectory_window_days)
        and list_contains($trajectory_results, eindresultaat)
)
select distinct s.feed, s.supplier_code, s.source_ref
from known as s
inner join _terms as t using (feed)
inner join last_signal as h
    on h.address_key = s.address_key and h.household_person is not distinct from s.household_person
left join open_trajectory as o on o.address_key = s.address_key
where case
    when t.after = 'signal_date' then s.event_date <= $purge_date - to_months(t.months)
    else h.last_signal_date <= $purge_date - to_months(t.months) and o.address_key is null
end
"""

_EXPIRED_ROWS = """
create or replace temp table _expired_row as
select l.delivery_id, l.line_no, l.feed
from int_signal__linked as l
inner join _expired_signal as e using (feed, supplier_code, source_ref)
"""

_PURGED_RAW_ROWS = """
create or replace temp table _purged_raw_row as
select delivery_id, line_no from _expired_row
union
select delivery_id, line_no from raw_rows
where not is_loaded and delivery_id in (select delivery_id from _quarantine_expired)
"""

_COUNT_PURGED = """
update raw_delivery as d set rows_purged = d.rows_purged + p.rows
from (
    select r.delivery_id, count(*) as rows
    from raw_rows as r
    inner join _purged_raw_row as e using (delivery_id, line_no)
    group by r.delivery_id
) as p
where d.delivery_id = p.delivery_id
"""

_QUARANTINE_EXPIRED = """
create or replace temp table _quarantine_expired as
select delivery_id from raw_delivery where received_date <= $purge_date - to_months($months)
"""


def _delete(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> int:
    return con.execute(sql, params).fetchall()[0][0]


def purge_expired(
    con: duckdb.DuckDBPyConnection, purge_date: date, config: RetentionConfig, ruleset: RuleSet
) -> PurgeResult:
    """Delete everything whose retention term has passed on `purge_date`; returns counts per table.

    Idempotent: purging again for the same date deletes nothing. One pass is not enough for that:
    what a pass deletes changes what the next one sees — a household whose last signal was a GGD
    melding (its own, shorter term) has an earlier last signal once that melding is gone, and its
    other signals may then be past their term; a signal without a person can join another
    household once a person's signals are gone (household_signal). So passes repeat until one
    deletes nothing (the fixed point; 2026-12: two or three passes on the demo region). Each pass
    only deletes, so this ends.
    """
    result = PurgeResult(purge_date)
    while True:
        deleted, archives_marked = _purge_pass(con, purge_date, config, ruleset)
        for table, n in deleted.items():
            result.deleted[table] = result.deleted.get(table, 0) + n
        result.archives_marked += archives_marked
        if not any(deleted.values()) and not archives_marked:
            return result


def _purge_pass(
    con: duckdb.DuckDBPyConnection, purge_date: date, config: RetentionConfig, ruleset: RuleSet
) -> tuple[dict[str, int], int]:
    """One pass of the purge: (rows deleted per table, archives marked)."""
    deleted: dict[str, int] = {}
    link_signals(con)  # int_signal__linked from what is staged now; households: household_signal
    terms = pl.DataFrame(
        {
            "feed": list(config.signals),
            "months": [t.months for t in config.signals.values()],
            "after": [t.after for t in config.signals.values()],
        }
    )
    con.register("_terms", terms)
    try:
        con.execute(
            _EXPIRED_SIGNALS,
            {
                "purge_date": purge_date,
                "trajectory_window_days": ruleset.features.trajectory_window_days,
                "trajectory_results": list(ruleset.features.trajectory_results),
            },
        )
    finally:
        con.unregister("_terms")
    con.execute(_EXPIRED_ROWS)
    con.execute(_QUARANTINE_EXPIRED, {"purge_date": purge_date, "months": config.quarantine_months})
    # Every raw row that goes: the loaded rows of expired signals (all versions) and, after the
    # quarantine term, the quarantined rows. Counted per delivery first, so that for every delivery
    # raw rows + rows_purged = rows_read stays true.
    con.execute(_PURGED_RAW_ROWS)
    con.execute(_COUNT_PURGED)
    for feed in FEEDS:
        deleted[f"stg_{feed}"] = _delete(
            con,
            f"delete from stg_{feed} as s using _expired_row as e "  # noqa: S608 - feed names from contracts
            "where s.delivery_id = e.delivery_id and s.line_no = e.line_no",
        )
    deleted["int_signal__linked"] = _delete(
        con,
        "delete from int_signal__linked as t using _expired_row as e "
        "where t.delivery_id = e.delivery_id and t.line_no = e.line_no",
    )
    for table in ("raw_rows", "pii_contact"):
        deleted[table] = _delete(
            con,
            f"delete from {table} as t using _purged_raw_row as e "  # noqa: S608 - fixed table names
            "where t.delivery_id = e.delivery_id and t.line_no = e.line_no",
        )
    deleted["quarantine_finding"] = _delete(
        con,
        "delete from quarantine_finding where delivery_id in (select delivery_id from _quarantine_expired)",
    )
    # Per as-of date: features, rule hits, scores, lists.
    for table in (
        "int_household__features",
        "int_rule_hit",
        "int_household__score",
        "fct_list_entry",
        "fct_wgs_followup",
    ):
        deleted[table] = _delete(
            con,
            f"delete from {table} where as_of_date <= $purge_date - to_months($months)",  # noqa: S608
            {"purge_date": purge_date, "months": config.lists_months},
        )
    deleted["mart_training_snapshot"] = _delete(
        con,
        "delete from mart_training_snapshot where as_of_date <= $purge_date - to_months($months)",
        {"purge_date": purge_date, "months": config.training_snapshot_months},
    )
    registrations = {"purge_date": purge_date, "months": config.registrations_months}
    deleted["reg_contact_attempt"] = _delete(
        con,
        "delete from reg_contact_attempt where contact_date <= $purge_date - to_months($months)",
        registrations,
    )
    deleted["reg_case_result"] = _delete(
        con,
        "delete from reg_case_result where result_date <= $purge_date - to_months($months)",
        registrations,
    )
    # A delivery whose rows are all gone and whose quarantine term has passed: its file goes too.
    archives_marked = _delete(
        con,
        """update raw_delivery as d set archive_purged_at = now()
           where archive_purged_at is null
             and delivery_id in (select delivery_id from _quarantine_expired)
             and not exists (select 1 from raw_rows as r where r.delivery_id = d.delivery_id)""",
    )
    return deleted, archives_marked


@dataclass
class SweepResult:
    archive_files: int = 0
    report_files: int = 0
    data_docs_files: int = 0
    list_folders: int = 0
    export_files: int = 0


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


_GX_RUN_TIME = re.compile(r"^(\d{8})T\d{6}(?:\.\d+)?Z$")


def _gx_run_date(doc: Path) -> date | None:
    """The (UTC) date of the validation run a data docs page belongs to: GX names a folder of its
    path after the run's time (`…/__none__/20261205T194222.522546Z/…`). Never the file's mtime: a
    copied reports folder would otherwise be kept longer or purged early."""
    for part in doc.parts:
        match = _GX_RUN_TIME.match(part)
        if match:
            return datetime.strptime(match.group(1), "%Y%m%d").date()
    return None


def sweep_files(
    con: duckdb.DuckDBPyConnection,
    purge_date: date,
    config: RetentionConfig,
    reports_dir: Path,
    lists_dir: Path,
    workspace_root: Path,
) -> SweepResult:
    """Delete the files that belong to expired data; `con` reads the live (swapped-in) warehouse.

    Archive paths resolve against `workspace_root`; a file outside it (an absolute path kept from
    before migration 0024) is never deleted: it belongs to another workspace.
    """
    ws = Workspace(workspace_root)
    swept = SweepResult()
    for (path,) in con.execute(
        "select archive_path from raw_delivery where archive_purged_at is not null"
    ).fetchall():
        archived = ws.resolve(path)
        if archived.exists() and ws.is_inside(archived):
            archived.chmod(0o600)
            archived.unlink()
            swept.archive_files += 1
    quarantine_cutoff = _months_before(purge_date, config.quarantine_months)
    if reports_dir.exists():
        expired = {
            sha[:12]
            for (sha,) in con.execute(
                "select delivery_id from raw_delivery where received_date <= ?", [quarantine_cutoff]
            ).fetchall()
        }
        for report in reports_dir.glob("*_*.*"):
            if report.is_file() and report.stem.rsplit("_", 1)[-1] in expired:
                report.unlink()
                swept.report_files += 1
        # Great Expectations' data docs quote offending values; they are dated by their run.
        validations = reports_dir / "gx" / "validations"
        if validations.exists():
            for doc in validations.rglob("*"):
                run_date = _gx_run_date(doc)
                if doc.is_file() and run_date is not None and run_date < quarantine_cutoff:
                    doc.unlink()
                    swept.data_docs_files += 1
    lists_cutoff = _months_before(purge_date, config.lists_months)
    if lists_dir.exists():
        for folder in lists_dir.iterdir():
            try:
                as_of = date.fromisoformat(folder.name)
            except ValueError:
                continue
            if folder.is_dir() and as_of <= lists_cutoff:
                shutil.rmtree(folder)
                swept.list_folders += 1
    swept.export_files = _sweep_exports(ws.exports, _months_before(purge_date, config.ddas_exports_months))
    return swept


def _sweep_exports(exports: Path, cutoff: date) -> int:
    """Delete the DDAS export files made on or before `cutoff`, dated by their line in the export
    log (indicators/ddas.py write_export), never by a file time. A file the log does not name is
    left alone: it is not known when it was made."""
    log = exports / "ddas_exports.jsonl"
    if not log.exists():
        return 0
    made: dict[str, date] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            made[record["file"]] = date.fromisoformat(record["exported_at"][:10])  # the latest write wins
    deleted = 0
    for name, day in made.items():
        path = exports / name
        if day <= cutoff and path.parent == exports and path.is_file():
            path.unlink()
            deleted += 1
    return deleted
