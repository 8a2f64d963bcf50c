"""The peer: the feature build on PostgreSQL 15, on the same data, in a private throw-away cluster.

The cluster lives in a temporary folder (initdb), listens only on a unix socket in that folder,
and is stopped and deleted afterwards. PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` system user that the Debian package creates. If PostgreSQL 15 is missing,
it is installed with apt-get (through sudo when not root).

The signal tables are exported by DuckDB as CSV and loaded with COPY (psycopg 3), then ANALYZEd;
the load is timed but is not part of the ratio. The feature SQL is bench/sql/postgres_features.sql,
a step-by-step translation of signals/sql/*.sql (tests/bench checks both give the same rows).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import polars as pl

PG_BIN = Path(os.environ.get("VROEG_BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
FEATURES_SQL = Path(__file__).parent / "sql" / "postgres_features.sql"
# A fair configuration for a 2-core, 24 GB machine (PostgreSQL's defaults are tuned for 128 MB).
SERVER_SETTINGS = {
    "shared_buffers": "2GB",
    "work_mem": "256MB",
    "maintenance_work_mem": "1GB",
    "effective_cache_size": "8GB",
    "max_parallel_workers_per_gather": "2",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_wal_size": "8GB",
    "listen_addresses": "''",
}
INITDB_OPTIONS = ("-E", "UTF8", "--locale=C", "--no-sync")
_TYPES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DOUBLE": "double precision",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def ensure_installed() -> Path:
    """PostgreSQL 15's bin folder; installs the Debian package when it is missing."""
    if (PG_BIN / "postgres").exists():
        return PG_BIN
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "postgresql-15"], check=True, env=env)
    if not (PG_BIN / "postgres").exists():
        raise RuntimeError(f"PostgreSQL 15 not found in {PG_BIN} after installing postgresql-15")
    return PG_BIN


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def server_version() -> str:
    out = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@contextmanager
def private_cluster() -> Iterator[str]:
    """A fresh cluster on a unix socket; yields a psycopg conninfo string; stops and deletes it."""
    ensure_installed()
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    data, log = folder / "data", folder / "server.log"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    options = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
    port = 54329
    server_options = f"-p {port} -k {folder} {options}"
    try:
        subprocess.run(
            _as_server_user(
                [str(PG_BIN / "initdb"), "-D", str(data), "-U", "bench", "--auth=trust", *INITDB_OPTIONS]
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_server_user(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    server_options,
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        yield f"host={folder} port={port} user=bench dbname=postgres"
    finally:
        subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _pg_type(duckdb_type: str) -> str:
    decimal = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    return _TYPES[duckdb_type]


def load_tables(duck, pg, tables: tuple[str, ...]) -> int:
    """Create `tables` in PostgreSQL with DuckDB's columns and COPY their rows in; returns rows loaded."""
    rows = 0
    with tempfile.TemporaryDirectory(prefix="bench-pg-csv-") as tmp:
        for table in tables:
            columns = duck.execute(
                "select column_name, data_type from duckdb_columns() "
                "where table_name = ? order by column_index",
                [table],
            ).fetchall()
            ddl = ", ".join(f'"{c}" {_pg_type(t)}' for c, t in columns)
            path = Path(tmp) / f"{table}.csv"
            # Catalogue names and a path we made; DuckDB's COPY takes no bound file name.
            duck.execute(f"copy \"{table}\" to '{path}' (header false)")
            with pg.cursor() as cur:
                cur.execute(f'drop table if exists "{table}"')
                cur.execute(f'create unlogged table "{table}" ({ddl})')
                with path.open("rb") as f, cur.copy(f'copy "{table}" from stdin (format csv)') as copy:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
                rows += cur.execute(f'select count(*) from "{table}"').fetchone()[0]  # noqa: S608
            path.unlink()
        with pg.cursor() as cur:
            for table in tables:
                cur.execute(f'analyze "{table}"')
    return rows


def run_features(pg, as_of: date, parameters: dict) -> float:
    """Run the translated feature build; returns its wall seconds (raises QueryCanceled on timeout)."""
    text = "\n".join(
        line
        for line in FEATURES_SQL.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("--")
    )
    params = {"as_of": as_of, **parameters}
    started = time.perf_counter()
    with pg.cursor() as cur:
        for statement in (s.strip() for s in text.split(";")):
            if statement:
                used = set(re.findall(r"%\((\w+)\)s", statement))
                cur.execute(statement, {k: params[k] for k in used} if used else None)
    return time.perf_counter() - started


def features_frame(pg) -> pl.DataFrame:
    with pg.cursor() as cur:
        cur.execute("select * from int_household__features")
        names = [d.name for d in cur.description]
        return pl.DataFrame(cur.fetchall(), schema=names, orient="row", infer_schema_length=None)


def normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """Comparable columns: decimals as floats, every integer as Int64, rows by household."""
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Float64))
        elif dtype.is_integer():
            casts.append(pl.col(name).cast(pl.Int64))
    return frame.with_columns(casts).sort("household_id")


def differences(duck: pl.DataFrame, pg: pl.DataFrame) -> list[str]:
    """Names of the columns whose values differ (or 'rows'/'columns'); empty when equal."""
    if duck.height != pg.height:
        return [f"rows: duckdb {duck.height}, postgres {pg.height}"]
    missing = set(duck.columns) ^ set(pg.columns)
    if missing:
        return [f"columns: {sorted(missing)}"]
    a, b = normalised(duck), normalised(pg.select(duck.columns))
    return [c for c in duck.columns if not a[c].equals(b[c], check_dtypes=False, check_names=False)]


def measure(
    duck_db: Path, as_of: date, parameters: dict, tables: tuple[str, ...], timeout_s: int = 1200
) -> dict:
    """Load the tables into a private cluster, time the feature build, compare with DuckDB's rows.

    A feature build that takes longer than `timeout_s` is cancelled and reported as timed out.
    """
    import psycopg

    from warehouse.store import connect

    duck = connect(duck_db, read_only=True)
    try:
        with private_cluster() as conninfo, psycopg.connect(conninfo, autocommit=True) as pg:
            pg.execute("set timezone = 'UTC'")
            started = time.perf_counter()
            loaded = load_tables(duck, pg, tables)
            load_seconds = time.perf_counter() - started
            version = pg.execute("show server_version").fetchone()[0]
            pg.execute(f"set statement_timeout = '{int(timeout_s)}s'")
            try:
                seconds = run_features(pg, as_of, parameters)
            except psycopg.errors.QueryCanceled:
                seconds, theirs = None, None
            else:
                theirs = features_frame(pg)
        ours = duck.sql("select * from int_household__features where as_of_date = ?", params=[as_of]).pl()
    finally:
        duck.close()
    if theirs is None:
        return {
            "server_version": version,
            "settings": {k: v for k, v in SERVER_SETTINGS.items() if k != "listen_addresses"},
            "rows_loaded": loaded,
            "load_seconds": round(load_seconds, 2),
            "features_seconds": None,
            "timed_out_after_seconds": timeout_s,
            "households": None,
            "differences": [],
        }
    return {
        "server_version": version,
        "settings": {k: v for k, v in SERVER_SETTINGS.items() if k != "listen_addresses"},
        "rows_loaded": loaded,
        "load_seconds": round(load_seconds, 2),
        "features_seconds": round(seconds, 3),
        "households": theirs.height,
        "differences": differences(ours, theirs),
    }
