"""Running the SQL model files: statements separated by `;`, parameters bound by name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path, params: dict[str, Any] | None = None) -> None:
    """Execute every statement of `path`, binding each `$name` it uses from `params`."""
    params = params or {}
    text = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("--")
    )
    for statement in (s.strip() for s in text.split(";")):
        if not statement:
            continue
        used = set(_PARAM.findall(statement))
        missing = used - params.keys()
        if missing:
            raise KeyError(f"{path.name}: no value for parameter(s) {sorted(missing)}")
        con.execute(statement, {k: params[k] for k in used} if used else None)
