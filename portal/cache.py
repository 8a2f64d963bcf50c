"""What the portal has already read or rendered from one version of the warehouse.

The nightly run replaces the warehouse file by a rename (warehouse/store.py), so a file's identity
(inode, mtime, size) names a version of its contents exactly. Results computed from a version are
kept until the file changes; then the old version's entries are dropped at the next lookup. Pages
still check access, audit the view and add the portal's own (SQLite) state on every request: only
warehouse reads and renders that depend on nothing else are cached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TypeVar

import duckdb

from warehouse.store import SharedReader, file_version

T = TypeVar("T")


_reader = SharedReader()


def reading(path: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A read-only cursor on the live warehouse's current version (warehouse/store.py SharedReader):
    every portal read goes through this one, so the file is opened once per version."""
    return _reader.cursor(path)


class VersionCache:
    """Values per (file version, key); computed at most once per version while the file stays."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: dict[str, tuple[int, int, int]] = {}
        self._values: dict[tuple[str, Hashable], object] = {}

    def get(self, path: Path, key: Hashable, compute: Callable[[], T]) -> T:
        version = file_version(path)
        name = str(path)
        with self._lock:
            if self._version.get(name) != version:
                for old in [k for k in self._values if k[0] == name]:
                    del self._values[old]
                self._version[name] = version
            if (name, key) in self._values:
                return self._values[(name, key)]  # type: ignore[return-value]
        value = compute()  # outside the lock: two first requests may both compute, never wrongly
        with self._lock:
            if self._version.get(name) == version:
                self._values[(name, key)] = value
        return value
