"""Opening the warehouse: build-and-swap for writers, read-only for readers.

DuckDB allows one read-write process per file and fails a conflicting lock at once. The portal
reads while the nightly flow writes, so writers never touch the live file: a write session works
on a copy (`<name>.next.duckdb`), checkpoints it and swaps it in with an atomic rename. Readers
open the live file read-only (briefly, or — the portal — once per version of it: SharedReader) and
see either the old or the new version, never a half-written one. A writer that dies leaves only a
stale copy behind, which the next session discards.

The copy and its folder are fsynced before the rename and the folder again after it: after a power
cut the live name points at either the whole old file or the whole new one, never at a new file
whose blocks had not reached the disk yet.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.crash_points import crash_point
from warehouse.migrate import migrate

# DuckDB's default buffer pool is ~80% of RAM; a municipal server runs other things too.
_MEMORY_LIMIT = os.environ.get("VROEG_DUCKDB_MEMORY_LIMIT", "4GB")


_SESSION = "set TimeZone = 'UTC'"


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A configured connection: bounded memory, UTC session time zone."""
    con = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": _MEMORY_LIMIT})
    con.execute(_SESSION)
    return con


class WarehouseBusy(RuntimeError):
    """Another writer holds the warehouse."""


def fsync_file(path: Path) -> None:
    """Flush a file's contents to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (names created, renamed, removed) to the disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_replace(source: Path, target: Path) -> None:
    """os.replace that survives a power cut: the file and its folder are on disk before and after."""
    fsync_file(source)
    fsync_dir(source.parent)
    os.replace(source, target)
    fsync_dir(target.parent)


@contextmanager
def working_copy(db_path: Path, before_swap: Callable[[], None] | None = None) -> Iterator[Path]:
    """The path of a migrated copy of the warehouse to write; swapped in when the block succeeds.

    `before_swap` runs after the copy is complete and on disk, just before the rename (the nightly
    writes its journal there: what is still to do once the copy is live).
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    next_path = db_path.with_name(db_path.stem + ".next.duckdb")
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseBusy(f"another process is writing {db_path}") from exc
        for stale in (next_path, next_path.with_name(next_path.name + ".wal")):
            stale.unlink(missing_ok=True)
        if db_path.exists():
            shutil.copyfile(db_path, next_path)
        crash_point("working_copy_made")
        try:
            con = connect(next_path)
            try:
                migrate(con)
            finally:
                con.close()
            yield next_path
            con = connect(next_path)
            try:
                con.execute("checkpoint")
            finally:
                con.close()
            crash_point("checkpointed")
            fsync_file(next_path)
            fsync_dir(next_path.parent)
            if before_swap is not None:
                before_swap()
        except BaseException:
            next_path.unlink(missing_ok=True)
            raise
        os.replace(next_path, db_path)
        fsync_dir(db_path.parent)
        crash_point("swapped")


def compact(path: Path) -> None:
    """Rewrite the database at `path` into a fresh file, leaving deleted rows behind.

    DuckDB keeps the bytes of deleted rows in the file until their blocks are reused; after the
    retention purge that would keep expired personal data on disk. Copying every table into a new
    file and swapping it in makes the erasure physical. Only for a working copy (no readers).
    """
    path = Path(path)
    fresh = path.with_name(path.stem + ".compact.duckdb")
    fresh.unlink(missing_ok=True)
    copy_database(path, fresh)
    durable_replace(fresh, path)


def copy_database(source: Path, dest: Path, read_only: bool = False) -> None:
    """Every table of the database at `source` into a new database file `dest` (DuckDB's COPY FROM
    DATABASE: only live rows, whatever the source's file or write-ahead log holds)."""
    con = connect(source, read_only=read_only)
    try:
        current = con.execute("select current_database()").fetchall()[0][0]
        con.execute(f"attach '{dest}' as copied")  # a path we made, not user input
        con.execute(f'copy from database "{current}" to copied')
        con.execute("detach copied")
    finally:
        con.close()


def rows_kept_on_disk(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    """(rows visible, rows in the table's storage): more in storage means deleted rows' bytes remain."""
    visible = con.execute(f'select count(*) from "{table}"').fetchall()[0][0]  # noqa: S608 - catalogue name
    stored = con.execute(
        "select coalesce(sum(count), 0) from pragma_storage_info(?) "
        "where column_id = 0 and segment_type <> 'VALIDITY'",
        [table],
    ).fetchall()[0][0]
    return visible, int(stored)


@contextmanager
def write_session(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection on a working copy of the warehouse, swapped in on success."""
    with working_copy(db_path) as path:
        con = connect(path)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def read_only(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the live warehouse."""
    con = connect(db_path, read_only=True)
    try:
        yield con
    finally:
        con.close()


def file_version(path: Path) -> tuple[int, int, int]:
    """The file's identity (inode, mtime, size): a swap-in by rename always changes it."""
    stat = path.stat()
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


class _Opened:
    def __init__(self, version: tuple[int, int, int], con: duckdb.DuckDBPyConnection) -> None:
        self.version, self.con, self.users, self.stale = version, con, 0, False


class SharedReader:
    """Read-only connections for a long-lived reader (the portal): one open database per version of
    each live file, a cursor per use.

    Opening the warehouse costs ~25 ms at country scale (its catalogue and table metadata), more than
    the household page's lookups together, so the file stays open while its version is live. The
    version is the file's identity (`file_version`): after a swap the next use opens the new file,
    and the old one is closed when its last cursor is. Each version is its own in-memory DuckDB
    with the file attached read-only, because `duckdb.connect(path)` hands out the process's cached
    instance for a path — which would be the old version's while any cursor still used it. While a
    version is open, DuckDB refuses this process a read-write connection to the live file; nothing
    in the portal opens one (writers work on a copy: write_session).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, _Opened] = {}

    @staticmethod
    def _attach(path: Path) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:", config={"memory_limit": _MEMORY_LIMIT})
        con.execute("attach ? as warehouse (read_only)", [str(path)])
        return con

    @contextmanager
    def cursor(self, path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
        name = str(path)
        with self._lock:
            version = file_version(path)
            opened = self._open.get(name)
            if opened is None or opened.version != version:
                if opened is not None:
                    opened.stale = True
                    if opened.users == 0:
                        opened.con.close()
                opened = _Opened(version, self._attach(path))
                self._open[name] = opened
            opened.users += 1
        try:
            cursor = opened.con.cursor()
            try:
                cursor.execute(f"use warehouse; {_SESSION}")
                yield cursor
            finally:
                cursor.close()
        finally:
            with self._lock:
                opened.users -= 1
                if opened.stale and opened.users == 0:
                    opened.con.close()
