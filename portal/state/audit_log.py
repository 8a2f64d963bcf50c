"""The audit log: every view and change of personal data, every log-in, append-only.

A line names who (user name, role, IP), what (a Dutch action word such as `huishouden_bekeken`),
and about what (team, household, supplier, the list's as-of date and run). Triggers refuse UPDATE
and DELETE (portal/state/store.py).
"""

from __future__ import annotations

import sqlite3
from datetime import date

from portal.state.store import now_iso

AUDIT_COLUMNS = (
    "username",
    "role",
    "action",
    "team_code",
    "household_id",
    "supplier_code",
    "as_of_date",
    "run_id",
    "detail",
    "ip",
)


def audit(con: sqlite3.Connection, action: str, **fields: str | date | None) -> None:
    """Append one line to the audit log. `fields` are AUDIT_COLUMNS; unknown names are a bug."""
    unknown = set(fields) - set(AUDIT_COLUMNS)
    if unknown:
        raise TypeError(f"unknown audit fields {sorted(unknown)}")
    values = {c: (str(fields[c]) if fields.get(c) is not None else None) for c in AUDIT_COLUMNS}
    values["action"] = action
    con.execute(
        f"insert into audit_log (at, {', '.join(AUDIT_COLUMNS)}) "  # noqa: S608 - fixed column names
        f"values (?, {', '.join('?' for _ in AUDIT_COLUMNS)})",
        [now_iso(), *(values[c] for c in AUDIT_COLUMNS)],
    )


def audit_entries(
    con: sqlite3.Connection, username: str | None = None, household_id: str | None = None, limit: int = 500
) -> list[dict]:
    rows = con.execute(
        "select * from audit_log "
        "where (?1 is null or username = ?1) and (?2 is null or household_id = ?2) "
        "order by audit_id desc limit ?3",
        [username or None, household_id or None, limit],
    ).fetchall()
    return [dict(r) for r in rows]
