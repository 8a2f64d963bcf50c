"""The audit log: every view and change of personal data, every log-in and every refusal, append-only.

A line names who (user name — "anoniem" when nobody is logged in — role, IP), what (a Dutch action
word such as `huishouden_bekeken`), about what (`object`: the route as a template such as
`/teams/{team}/huishoudens/{household_id}`, never the raw URL; plus team, household, supplier, the
list's as-of date and run), the result (`toegestaan` or `geweigerd`) and when (UTC). No line holds a
name, a BSN or free text typed by a user. Triggers refuse UPDATE and DELETE (portal/state/store.py).

Tamper evidence (BIO2 8.15): each line stores `row_hash`, the SHA-256 of the previous line's hash
and this line's canonical content (`canonical`). Someone who can write the file (and drops the
triggers) and changes, removes or inserts a line breaks the chain from that line on;
`verify_audit_chain` finds the first broken line. The hash is computed inside one `BEGIN IMMEDIATE`
transaction together with the insert, so two writers (request threads, the CLI) never fork the
chain. Lines written before the chain existed have no hash: the chain starts at the first line with
one, and a line without a hash after that is a break. Cutting lines off the end is not visible in
the chain itself: compare the number of lines and the last hash (`chain_status`) with an earlier
reading for that.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from contextlib import nullcontext
from contextvars import ContextVar
from datetime import date

from portal.state.store import now_iso, write_turn

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
    "result",
    "object",
)
# What the chain hashes, in this order.
HASHED = ("audit_id", "at", *AUDIT_COLUMNS)

ALLOWED, REFUSED = "toegestaan", "geweigerd"
ANONYMOUS = "anoniem"
# Actions that are refusals by themselves (the rest is `toegestaan` unless the caller says otherwise).
REFUSAL_ACTIONS = frozenset({"inloggen_mislukt", "inloggen_geblokkeerd"})
# Outside a web request (the command line) the object is this.
NO_REQUEST = "(opdrachtregel)"

# The web request being answered: a function giving its defaults ({"object": route, "ip": ...}).
# Set by the portal's middleware (portal/audit_context.py); None on the command line.
request_defaults: ContextVar[Callable[[], dict[str, str | None]] | None] = ContextVar(
    "audit_request_defaults", default=None
)


def canonical(row: dict) -> str:
    """The content of one line as the chain hashes it: JSON of HASHED, in order."""
    return json.dumps([row.get(c) for c in HASHED], ensure_ascii=False, separators=(",", ":"))


def row_hash(previous: str | None, row: dict) -> str:
    return hashlib.sha256(((previous or "") + canonical(row)).encode("utf-8")).hexdigest()


def audit(con: sqlite3.Connection, action: str, **fields: str | date | None) -> None:
    """Append one line to the audit log. `fields` are AUDIT_COLUMNS; unknown names are a bug.

    Missing `object` and `ip` come from the web request being answered; a missing user name is
    "anoniem"; a missing result is `geweigerd` for REFUSAL_ACTIONS, else `toegestaan`."""
    unknown = set(fields) - set(AUDIT_COLUMNS)
    if unknown:
        raise TypeError(f"unknown audit fields {sorted(unknown)}")
    defaults = request_defaults.get()
    given = {"object": NO_REQUEST, "ip": None, **(defaults() if defaults else {})}
    given.update({k: v for k, v in fields.items() if v is not None})
    values = {c: (str(given[c]) if given.get(c) is not None else None) for c in AUDIT_COLUMNS}
    values["action"] = action
    values["username"] = values["username"] or ANONYMOUS
    values["result"] = values["result"] or (REFUSED if action in REFUSAL_ACTIONS else ALLOWED)
    own = not con.in_transaction  # inside a caller's transaction, its lock covers both
    with write_turn() if own else nullcontext():
        _append(con, values, own)


def _append(con: sqlite3.Connection, values: dict, own: bool) -> None:
    if own:
        con.execute("begin immediate")  # the previous hash and the insert under one write lock
    try:
        last = con.execute(
            "select audit_id, row_hash from audit_log order by audit_id desc limit 1"
        ).fetchone()
        row = {"audit_id": (last[0] if last else 0) + 1, "at": now_iso(), **values}
        con.execute(
            f"insert into audit_log ({', '.join(HASHED)}, row_hash) "  # noqa: S608 - fixed column names
            f"values ({', '.join('?' for _ in HASHED)}, ?)",
            [*(row[c] for c in HASHED), row_hash(last[1] if last else None, row)],
        )
        if own:
            con.execute("commit")
    except BaseException:
        if own:
            con.execute("rollback")
        raise


def verify_audit_chain(con: sqlite3.Connection) -> int | None:
    """The audit_id of the first line whose hash does not follow from the lines before it, or None
    when the chain is whole. Lines before the first hashed line (from before the chain) are skipped."""
    previous: str | None = None
    started = False
    for r in con.execute(f"select {', '.join(HASHED)}, row_hash from audit_log order by audit_id"):  # noqa: S608
        row = dict(r)
        if not started and row["row_hash"] is None:
            continue
        started = True
        if row["row_hash"] != row_hash(previous, row):
            return int(row["audit_id"])
        previous = row["row_hash"]
    return None


def chain_status(con: sqlite3.Connection) -> dict:
    """The chain check as the audit page and the CLI show it: broken line (or None), lines, the last
    hash, and how many lines are from before the chain."""
    lines, unchained = con.execute(
        "select count(*), count(*) filter (where row_hash is null and audit_id < "
        "coalesce((select min(audit_id) from audit_log where row_hash is not null), 1e18)) from audit_log"
    ).fetchone()
    last = con.execute("select row_hash from audit_log order by audit_id desc limit 1").fetchone()
    return {
        "broken_at": verify_audit_chain(con),
        "lines": lines,
        "unchained": unchained,
        "last_hash": last[0] if last else None,
    }


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
