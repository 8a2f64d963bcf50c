"""Run history: one row per nightly run in meta_run, one per step in meta_run_step."""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb


@dataclass
class StepRecord:
    step: str
    started_at: datetime
    finished_at: datetime | None = None
    rows_in: int | None = None
    rows_out: int | None = None
    status: str = "running"
    error_summary: str | None = None


@dataclass
class RunRecord:
    run_id: str
    as_of_date: date
    code_version: str
    rules_version: str
    config_version: str
    flow_run_id: str | None = None
    model_version: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(tz=UTC))
    steps: list[StepRecord] = field(default_factory=list)
    status: str = "running"
    status_reason: str | None = None
    # (kind, subject, Dutch message): raised without failing the run, e.g. a silent supplier.
    warnings: list[tuple[str, str, str]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[StepRecord]:
        record = StepRecord(step=name, started_at=datetime.now(tz=UTC))
        self.steps.append(record)
        start = time.monotonic()
        try:
            yield record
            record.status = "ok"
        except Exception as exc:
            record.status = "failed"
            # The type and the last frame only: an exception message may quote delivered data.
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
            record.error_summary = f"{type(exc).__name__} in {frame.name} ({where})"
            raise
        finally:
            record.finished_at = datetime.now(tz=UTC)
            record.seconds = time.monotonic() - start  # type: ignore[attr-defined]

    def save(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("delete from meta_run_warning where run_id = ?", [self.run_id])
        con.execute("delete from meta_run_step where run_id = ?", [self.run_id])
        con.execute("delete from meta_run where run_id = ?", [self.run_id])
        con.execute(
            "insert into meta_run (run_id, flow_run_id, as_of_date, started_at, finished_at, status,"
            " status_reason, code_version, rules_version, config_version, model_version)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.run_id,
                self.flow_run_id,
                self.as_of_date,
                self.started_at,
                datetime.now(tz=UTC),
                self.status,
                self.status_reason,
                self.code_version,
                self.rules_version,
                self.config_version,
                self.model_version,
            ],
        )
        if self.warnings:
            con.executemany(
                "insert into meta_run_warning (run_id, kind, subject, message_nl) values (?, ?, ?, ?)",
                [[self.run_id, *w] for w in self.warnings],
            )
        for s in self.steps:
            con.execute(
                "insert into meta_run_step values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    self.run_id,
                    s.step,
                    s.started_at,
                    s.finished_at,
                    s.rows_in,
                    s.rows_out,
                    s.status,
                    s.error_summary,
                ],
            )


RUNS_QUERY = """
with warnings as (
    select run_id, list(message_nl order by kind, subject) as warnings
    from meta_run_warning
    group by run_id
)
select r.run_id, r.flow_run_id, r.as_of_date, r.started_at, r.finished_at, r.status, r.status_reason,
       r.rules_version, r.model_version, r.code_version,
       list(struct_pack(step := s.step, status := s.status, rows_in := s.rows_in,
                        rows_out := s.rows_out, started_at := s.started_at,
                        finished_at := s.finished_at, error := s.error_summary)
            order by s.started_at) as steps,
       coalesce(any_value(w.warnings), []) as warnings
from meta_run as r
left join meta_run_step as s using (run_id)
left join warnings as w using (run_id)
group by all
order by r.started_at desc
limit ?
"""


def last_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict]:
    """The last runs, newest first, each with its steps and warnings."""
    return con.sql(RUNS_QUERY, params=[limit]).pl().to_dicts()
