"""The one levering of a gemeente, as indicators.ddas makes it for the v1.2 Uitwisselmodel."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from indicators.ddas import DdasExport, ddas_export
from signals.retention import RetentionConfig

VERSION = "1.2"


def export_levering(
    con: duckdb.DuckDBPyConnection,
    gemeentecode: str,
    van: date,
    tot: date,
    terms: RetentionConfig,
    delivered_at: datetime,
) -> DdasExport:
    """A whole v1.2 document with this gemeente's one levering (DdasExportRefused when refused)."""
    return ddas_export(con, gemeentecode, van, tot, terms, version=VERSION, delivered_at=delivered_at)
