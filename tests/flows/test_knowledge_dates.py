"""Copying an inbox changes no knowledge date: the real nightly flow on a copy without file times.

The tiny region's history is taken in twice with its manifest (a history import, as `vroeg demo`
does): once from a copy that keeps the files' mtimes, once from a copy that does not and whose
every file is then touched to a day after the as-of date. If any knowledge date came from a file
time, the second warehouse would know nothing on the as-of date and publish empty lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import TINY_AS_OF, history_manifest

pytestmark = pytest.mark.flow

COPY_DAY = datetime(2027, 6, 1, 12, tzinfo=UTC)  # after the as-of date: a file time would hide everything


def _touch(folder: Path, when: datetime) -> None:
    for path in folder.rglob("*"):
        os.utime(path, (when.timestamp(), when.timestamp()))


def _deliveries(workspace: Path) -> list[tuple]:
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "select supplier_code, feed, original_name, received_at, received_date, received_basis, status"
            " from raw_delivery order by supplier_code, feed, original_name"
        ).fetchall()
    finally:
        con.close()


def _list_entries(workspace: Path) -> list[tuple]:
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "select * exclude (run_id) from fct_list_entry order by as_of_date, wijkteam, rank, household_id"
        ).fetchall()
    finally:
        con.close()


def _published(folder: Path) -> dict[str, object]:
    """The list files' bytes and the list manifest without its run id (each run has its own)."""
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.*sv"))}
    files |= {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xlsx"))}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {**files, "manifest.json": {k: v for k, v in manifest.items() if k != "run_id"}}


@pytest.fixture(scope="module")
def two_runs(prefect_server, tiny_region, tmp_path_factory):
    """((workspace, summary) with the mtimes kept, (workspace, summary) with them lost)."""
    from flows.nightly import nightly

    runs = []
    for name, copy in (("mtimes-kept", shutil.copy2), ("mtimes-lost", shutil.copy)):
        workspace = tmp_path_factory.mktemp(name)
        for part in ("inbox", "reference", "registraties"):
            shutil.copytree(tiny_region / part, workspace / part, copy_function=copy)
        if copy is shutil.copy:
            _touch(workspace / "inbox", COPY_DAY)
            assert {p.stat().st_mtime for p in (workspace / "inbox").rglob("*")} == {COPY_DAY.timestamp()}
        runs.append(
            (workspace, nightly(str(workspace), TINY_AS_OF, history_manifest=history_manifest(workspace)))
        )
    return runs


def test_the_generated_files_carry_other_times_than_the_copy(tiny_region):
    """The premise: the generated files' mtimes (kept by the first copy) are not the copy day."""
    generated = [p for p in (tiny_region / "inbox").glob("*/*/*") if p.is_file()]
    assert generated and all(p.stat().st_mtime < COPY_DAY.timestamp() for p in generated)


def test_every_delivery_has_the_same_knowledge_date_from_the_manifest(tiny_region, two_runs):
    (kept, first), (lost, second) = two_runs
    assert first["status"] == second["status"] == "ok"
    deliveries = _deliveries(kept)
    assert len(deliveries) > 100
    assert _deliveries(lost) == deliveries
    manifest = pl.read_csv(tiny_region / "inbox" / "manifest.csv", infer_schema=False)
    expected = {
        tuple(path.split("/")): datetime.fromisoformat(moment)
        for path, moment in zip(manifest["path"], manifest["received_at"], strict=True)
    }
    received = {(s, f, name): (at, basis) for s, f, name, at, _, basis, _ in deliveries}
    assert {k: v[0] for k, v in received.items()} == {k: expected[k] for k in received}
    # what is not a delivery of its own is a byte-identical repeat (recorded as such, changes nothing)
    assert all(Path(name).stem.endswith("_2") for _, _, name in set(expected) - set(received))
    assert {basis for _, basis in received.values()} == {"history_manifest"}


def test_the_published_lists_are_identical(two_runs):
    (kept, first), (lost, second) = two_runs
    entries = _list_entries(kept)
    assert len(entries) > 50
    assert _list_entries(lost) == entries
    published = _published(Path(first["lists_dir"]))
    assert len(published) == 2 * 13 + 1
    assert _published(Path(second["lists_dir"])) == published
