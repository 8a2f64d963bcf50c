"""Receipts: the knowledge date is recorded at receipt and kept beside the file, never its mtime."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from signals.receipts import (
    History,
    ManifestError,
    discover_inbox,
    file_name_moment,
    first_sight_moment,
    read_history_manifest,
    read_sidecar,
    sidecar,
)

NOW = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)


def _drop(inbox: Path, name: str, data: bytes = b"a;b\n1;2\n", supplier: str = "zaanoever") -> Path:
    path = inbox / supplier / "huurachterstand" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _touch_all(folder: Path, when: datetime) -> None:
    """What a copy without preserved file times does: every mtime is the copy day."""
    for path in folder.rglob("*"):
        os.utime(path, (when.timestamp(), when.timestamp()))


def test_first_sight_is_now_for_todays_run_and_the_end_of_a_past_as_of_day():
    assert first_sight_moment(date(2026, 12, 3), NOW) == NOW
    # a replay of history: what a run for 2 March finds is received at the end of 2 March, Amsterdam
    # time (winter: 23:59:59 CET = 22:59:59 UTC), so it is known on 2 March and not before
    assert first_sight_moment(date(2026, 3, 2), NOW) == datetime(2026, 3, 2, 22, 59, 59, tzinfo=UTC)
    assert first_sight_moment(date(2026, 7, 1), NOW) == datetime(2026, 7, 1, 21, 59, 59, tzinfo=UTC)
    # a run for a later as-of date never dates a file in the future
    assert first_sight_moment(date(2027, 1, 1), NOW) == NOW


def test_a_first_sight_is_recorded_before_the_intake_and_kept_by_the_next_run(tmp_path):
    inbox = tmp_path / "inbox"
    path = _drop(inbox, "export.csv")
    first = discover_inbox(inbox, first_sight_moment(date(2026, 11, 30), NOW))
    ((incoming,),) = [first.files]
    assert (incoming.received_basis, first.first_sighted) == ("first_sight", 1)
    assert incoming.received_at == datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)
    assert read_sidecar(path)["received_at"] == "2026-11-30T22:59:59+00:00"
    # the run failed after this; the next one (days later) keeps the first sight
    _touch_all(inbox, NOW + timedelta(days=3))
    again = discover_inbox(inbox, NOW + timedelta(days=3))
    assert [(f.received_at, f.received_basis) for f in again.files] == [(incoming.received_at, "first_sight")]
    assert again.first_sighted == 0


def test_a_file_replaced_under_the_same_name_is_a_new_receipt(tmp_path):
    inbox = tmp_path / "inbox"
    path = _drop(inbox, "export.csv")
    discover_inbox(inbox, NOW)
    path.write_bytes(b"a;b\n1;3\n")
    (incoming,) = discover_inbox(inbox, NOW + timedelta(hours=5)).files
    assert incoming.received_at == NOW + timedelta(hours=5)


def test_a_history_manifest_dates_the_files_it_names_and_only_those(tmp_path):
    inbox = tmp_path / "inbox"
    named = _drop(inbox, "week1.csv")
    other = _drop(inbox, "unnamed.csv", b"x;y\n")
    manifest = inbox / "manifest.csv"
    manifest.write_text(
        "path,received_at\n"
        "zaanoever/huurachterstand/week1.csv,2025-01-06T07:12:00+01:00\n"
        "zaanoever/huurachterstand/gone.csv,2025-01-13\n",
        encoding="utf-8",
    )
    scan = discover_inbox(inbox, NOW, History(read_history_manifest(manifest, inbox)))
    found = {f.path: (f.received_at, f.received_basis) for f in scan.files}
    assert found[named] == (datetime(2025, 1, 6, 6, 12, tzinfo=UTC), "history_manifest")
    assert found[other] == (NOW, "first_sight")
    assert (scan.undated_in_history, scan.manifest_missing) == (1, 1)
    assert all("Historie-import" in w for w in scan.warnings_nl()) and len(scan.warnings_nl()) == 2
    # recorded beside the file: a rerun without the option keeps the manifest's date
    (rerun,) = [f for f in discover_inbox(inbox, NOW + timedelta(days=1)).files if f.path == named]
    assert (rerun.received_at, rerun.received_basis) == found[named]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("pad,ontvangen\nx,y\n", "kolommen path, received_at"),
        ("path,received_at\n../../etc/passwd,2025-01-01\n", "regel 2: het pad"),
        ("path,received_at\nzaanoever/huurachterstand/a.csv,gisteren\n", "regel 2: received_at"),
    ],
)
def test_a_manifest_that_cannot_be_used_is_refused_in_dutch(tmp_path, content, message):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_history_manifest(manifest, tmp_path / "inbox")


def test_file_names_date_a_history_only_when_asked(tmp_path):
    inbox = tmp_path / "inbox"
    _drop(inbox, "2025-03-03_huurachterstand.csv")
    _drop(inbox, "export.csv", b"other\n")
    assert file_name_moment("2025-13-01_x.csv") is None
    plain = {f.path.name: f.received_basis for f in discover_inbox(tmp_path / "inbox", NOW).files}
    assert set(plain.values()) == {"first_sight"}
    for path in inbox.rglob(".*.meta.json"):
        path.unlink()
    named = {
        f.path.name: (f.received_at, f.received_basis)
        for f in discover_inbox(inbox, NOW, History(from_file_names=True)).files
    }
    assert named == {
        "2025-03-03_huurachterstand.csv": (datetime(2025, 3, 2, 23, tzinfo=UTC), "history_file_name"),
        "export.csv": (NOW, "first_sight"),
    }


def test_an_inbox_copied_without_its_file_times_keeps_every_receipt(tmp_path):
    """A restore or migration that copies the inbox (receipts included) but not the mtimes."""
    inbox = tmp_path / "inbox"
    _drop(inbox, "a.csv")
    _drop(inbox, "b.csv", b"other\n", supplier="dwnk")
    before = {f.path.relative_to(inbox): f.received_at for f in discover_inbox(inbox, NOW).files}
    copy = tmp_path / "copy"
    for path in inbox.rglob("*"):
        if path.is_file():
            (copy / path.relative_to(inbox)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, copy / path.relative_to(inbox))
    _touch_all(copy, NOW + timedelta(days=40))
    after = {
        f.path.relative_to(copy): f.received_at for f in discover_inbox(copy, NOW + timedelta(days=40)).files
    }
    assert after == before
    assert all(sidecar(copy / p).exists() for p in after)


def test_no_module_reads_a_file_time_as_a_date():
    """Knowledge dates come from receipts; st_mtime appears only as a change marker of caches."""
    root = Path(__file__).resolve().parents[2]
    allowed = {Path("warehouse/store.py")}  # file_version: (inode, mtime_ns, size) says a read is stale
    readers = sorted(
        str(path.relative_to(root))
        for folder in (
            "cli",
            "flows",
            "signals",
            "rules",
            "warehouse",
            "lists",
            "portal",
            "indicators",
            "bench",
        )
        for path in (root / folder).rglob("*.py")
        if path.relative_to(root) not in allowed
        and any(t in path.read_text(encoding="utf-8") for t in ("st_mtime", "getmtime", "st_ctime"))
    )
    assert readers == []
