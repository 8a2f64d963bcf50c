"""Apply the numbered SQL migrations in warehouse/migrations/ exactly once each, in order."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import duckdb

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migration_files() -> list[tuple[int, str, str]]:
    """(version, file name, SQL text) for every migration, in version order."""
    folder = resources.files("warehouse").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring the schema up to date; returns the names of the migrations applied now.

    A migration that was applied before with different contents is an error: migrations are
    append-only, a change goes into a new numbered file.
    """
    con.execute(
        "create table if not exists meta_schema_migration ("
        " version integer primary key, name varchar not null, sha256 varchar not null,"
        " applied_at timestamptz not null default now())"
    )
    applied = dict(con.execute("select version, sha256 from meta_schema_migration").fetchall())
    done = []
    for version, name, sql in migration_files():
        digest = hashlib.sha256(sql.encode()).hexdigest()
        if version in applied:
            if applied[version] != digest:
                raise RuntimeError(f"migration {name} changed after it was applied; add a new one")
            continue
        con.execute("begin")
        try:
            con.execute(sql)
            con.execute(
                "insert into meta_schema_migration (version, name, sha256) values (?, ?, ?)",
                [version, name, digest],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        done.append(name)
    return done
