"""The portal's own state in SQLite (`<workspace>/portal.sqlite`, WAL mode).

Not in the warehouse: the nightly flow replaces warehouse.duckdb by a new copy every night (anything
written there would be lost) and DuckDB allows one writing process. SQLite with WAL lets the portal's
request threads write while the nightly flow reads the registrations.

The audit log and the registrations are append-only: there is no UPDATE or DELETE for them in this
code, and triggers refuse both. A correction is a new row; the latest assignment and tier override
win. A mistaken registration is withdrawn by a withdrawal row that refers to it: every reader
(household page, list marks, the nightly import) leaves withdrawn registrations out. A revoked API
token is likewise a revocation row. Only sessions are deleted (log-out, expiry, deactivation) and
accounts changed (active or not, password).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

SCHEMA = """
create table if not exists account (
    account_id      integer primary key,
    username        text not null unique,
    role            text not null check (role in ('coordinator', 'supplier', 'evaluator', 'administrator')),
    team_code       text,
    supplier_code   text,
    password_hash   text not null,
    is_active       integer not null default 1,
    created_at      text not null,
    check ((role = 'coordinator') = (team_code is not null)),
    check ((role = 'supplier') = (supplier_code is not null))
);

-- The cookie holds a random id; only its SHA-256 is stored, so a copy of this file opens no session.
create table if not exists session (
    session_hash    text primary key,
    account_id      integer not null references account (account_id),
    csrf_token      text not null,
    created_at      text not null,
    last_seen_at    text not null
);

create table if not exists api_token (
    token_hash      text primary key,
    supplier_code   text not null,
    label           text not null,
    created_at      text not null
);

create table if not exists api_token_revocation (
    token_hash      text primary key references api_token (token_hash),
    revoked_at      text not null,
    revoked_by      text not null
);

create table if not exists audit_log (
    audit_id        integer primary key autoincrement,
    at              text not null,
    username        text,
    role            text,
    action          text not null,
    team_code       text,
    household_id    text,
    supplier_code   text,
    as_of_date      text,
    run_id          text,
    detail          text,
    ip              text
);

create index if not exists audit_log_by_action on audit_log (action, username);

-- What coordinators registered. The nightly flow takes these into reg_contact_attempt and
-- reg_case_result (source 'portal'); signals.registrations.load_portal_registrations reads them.
create table if not exists contact_attempt (
    attempt_id      integer primary key,
    wijkteam        text not null,
    household_id    text not null,
    address_key     text not null,
    contact_date    text not null,
    soort           text not null,
    is_reached      integer not null check (is_reached in (0, 1)),
    dagdeel         text,
    registered_at   text not null,
    registered_by   text not null
);

create table if not exists case_result (
    result_id       integer primary key,
    wijkteam        text not null,
    household_id    text not null,
    address_key     text not null,
    result_date     text not null,
    eindresultaat   text not null,
    registered_at   text not null,
    registered_by   text not null
);

create table if not exists assignment (
    assignment_id   integer primary key,
    wijkteam        text not null,
    household_id    text not null,
    worker          text not null,
    assigned_at     text not null,
    assigned_by     text not null
);

create table if not exists tier_override (
    override_id     integer primary key,
    wijkteam        text not null,
    household_id    text not null,
    as_of_date      text not null,
    tier            text not null check (tier in ('crisis', 'hoog', 'normaal')),
    reason          text not null check (length(trim(reason)) > 0),
    overridden_at   text not null,
    overridden_by   text not null
);

-- A registration made by mistake is withdrawn, never erased: this row refers to it by table and id.
create table if not exists withdrawal (
    withdrawal_id   integer primary key,
    kind            text not null
                    check (kind in ('contact_attempt', 'case_result', 'assignment', 'tier_override')),
    registration_id integer not null,
    wijkteam        text not null,
    household_id    text not null,
    reason          text not null check (length(trim(reason)) > 0),
    withdrawn_at    text not null,
    withdrawn_by    text not null,
    unique (kind, registration_id)
);
"""

APPEND_ONLY = (
    "audit_log",
    "contact_attempt",
    "case_result",
    "assignment",
    "tier_override",
    "withdrawal",
    "api_token_revocation",
)
# The registrations a coordinator can withdraw: table → its id column.
REGISTRATION_IDS = {
    "contact_attempt": "attempt_id",
    "case_result": "result_id",
    "assignment": "assignment_id",
    "tier_override": "override_id",
}


def _triggers() -> str:
    return "\n".join(
        f"create trigger if not exists {table}_no_{verb} before {verb} on {table} "
        f"begin select raise(abort, '{table} is append-only'); end;"
        for table in APPEND_ONLY
        for verb in ("update", "delete")
    )


def now_iso() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="seconds")


def open_state(path: Path) -> sqlite3.Connection:
    """A connection to the portal state, created and migrated on first use."""
    con = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute("pragma journal_mode = wal")
    con.execute("pragma foreign_keys = on")
    con.execute("pragma busy_timeout = 10000")
    con.executescript(SCHEMA + _triggers())
    return con


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- accounts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    account_id: int
    username: str
    role: str
    team_code: str | None
    supplier_code: str | None
    password_hash: str
    is_active: bool


def add_account(
    con: sqlite3.Connection,
    username: str,
    role: str,
    password_hash: str,
    team_code: str | None = None,
    supplier_code: str | None = None,
) -> int:
    cur = con.execute(
        "insert into account (username, role, team_code, supplier_code, password_hash, created_at) "
        "values (?, ?, ?, ?, ?, ?)",
        [username, role, team_code, supplier_code, password_hash, now_iso()],
    )
    return int(cur.lastrowid)


def account_by_name(con: sqlite3.Connection, username: str) -> Account | None:
    row = con.execute("select * from account where username = ?", [username]).fetchone()
    return _account(row) if row else None


def _account(row: sqlite3.Row) -> Account:
    return Account(
        row["account_id"],
        row["username"],
        row["role"],
        row["team_code"],
        row["supplier_code"],
        row["password_hash"],
        bool(row["is_active"]),
    )


def set_password_hash(con: sqlite3.Connection, account_id: int, password_hash: str) -> None:
    """Argon2 parameters change over time: a hash is renewed at log-in when it needs it."""
    con.execute("update account set password_hash = ? where account_id = ?", [password_hash, account_id])


def accounts(con: sqlite3.Connection) -> list[dict]:
    """Every account (without its password hash), with its last log-in from the audit log."""
    rows = con.execute(
        """
        select a.account_id, a.username, a.role, a.team_code, a.supplier_code, a.is_active, a.created_at,
               (select max(l.at) from audit_log as l
                where l.action = 'ingelogd' and l.username = a.username) as last_login_at
        from account as a
        order by a.role, a.username
        """
    ).fetchall()
    return [dict(r) for r in rows]


def set_active(con: sqlite3.Connection, account_id: int, is_active: bool) -> None:
    """(De)activate an account; deactivating ends its sessions at once."""
    con.execute("update account set is_active = ? where account_id = ?", [int(is_active), account_id])
    if not is_active:
        end_account_sessions(con, account_id)


# --- sessions ------------------------------------------------------------------------------------


def add_session(con: sqlite3.Connection, session_id: str, account_id: int, csrf_token: str) -> None:
    stamp = now_iso()
    con.execute(
        "insert into session (session_hash, account_id, csrf_token, created_at, last_seen_at) "
        "values (?, ?, ?, ?, ?)",
        [token_hash(session_id), account_id, csrf_token, stamp, stamp],
    )


def session_account(con: sqlite3.Connection, session_id: str) -> tuple[Account, str, str, str] | None:
    """(account, csrf token, created_at, last_seen_at) of a live session id, or None."""
    row = con.execute(
        "select a.*, s.csrf_token, s.created_at as session_created_at, s.last_seen_at "
        "from session as s inner join account as a using (account_id) "
        "where s.session_hash = ? and a.is_active = 1",
        [token_hash(session_id)],
    ).fetchone()
    if row is None:
        return None
    return _account(row), row["csrf_token"], row["session_created_at"], row["last_seen_at"]


def touch_session(con: sqlite3.Connection, session_id: str) -> None:
    con.execute(
        "update session set last_seen_at = ? where session_hash = ?", [now_iso(), token_hash(session_id)]
    )


def end_session(con: sqlite3.Connection, session_id: str) -> None:
    con.execute("delete from session where session_hash = ?", [token_hash(session_id)])


def end_account_sessions(con: sqlite3.Connection, account_id: int) -> None:
    con.execute("delete from session where account_id = ?", [account_id])


# --- supplier API tokens -------------------------------------------------------------------------


def add_api_token(con: sqlite3.Connection, token: str, supplier_code: str, label: str) -> None:
    con.execute(
        "insert into api_token (token_hash, supplier_code, label, created_at) values (?, ?, ?, ?)",
        [token_hash(token), supplier_code, label, now_iso()],
    )


def token_supplier(con: sqlite3.Connection, token: str) -> tuple[str, str] | None:
    """(supplier code, label) of a token that is not revoked, or None."""
    row = con.execute(
        "select supplier_code, label from api_token as t where token_hash = ? "
        "and not exists (select 1 from api_token_revocation as r where r.token_hash = t.token_hash)",
        [token_hash(token)],
    ).fetchone()
    return (row["supplier_code"], row["label"]) if row else None


def api_tokens(con: sqlite3.Connection) -> list[dict]:
    """Every token (never the token itself: a row id, supplier, label, when made and revoked)."""
    rows = con.execute(
        """
        select t.rowid as token_id, t.supplier_code, t.label, t.created_at, r.revoked_at, r.revoked_by
        from api_token as t left join api_token_revocation as r using (token_hash)
        order by t.supplier_code, t.created_at
        """
    ).fetchall()
    return [dict(r) for r in rows]


def revoke_api_token(con: sqlite3.Connection, token_id: int, by: str) -> dict | None:
    """Revoke a token by its row id; returns it (supplier, label), or None if unknown or already revoked."""
    row = con.execute(
        "select token_hash, supplier_code, label from api_token as t where rowid = ? "
        "and not exists (select 1 from api_token_revocation as r where r.token_hash = t.token_hash)",
        [token_id],
    ).fetchone()
    if row is None:
        return None
    con.execute(
        "insert or ignore into api_token_revocation (token_hash, revoked_at, revoked_by) values (?, ?, ?)",
        [row["token_hash"], now_iso(), by],
    )
    return {"supplier_code": row["supplier_code"], "label": row["label"]}


# --- audit log -----------------------------------------------------------------------------------


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


def recent_failed_logins(con: sqlite3.Connection, username: str, since: str) -> int:
    return con.execute(
        "select count(*) from audit_log where action = 'inloggen_mislukt' and username = ? and at >= ?",
        [username, since],
    ).fetchone()[0]


# --- registrations -------------------------------------------------------------------------------


def add_contact_attempt(
    con: sqlite3.Connection,
    *,
    wijkteam: str,
    household_id: str,
    address_key: str,
    contact_date: date,
    soort: str,
    is_reached: bool,
    dagdeel: str | None,
    registered_by: str,
) -> None:
    con.execute(
        "insert into contact_attempt (wijkteam, household_id, address_key, contact_date, soort, "
        "is_reached, dagdeel, registered_at, registered_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            wijkteam,
            household_id,
            address_key,
            contact_date.isoformat(),
            soort,
            int(is_reached),
            dagdeel,
            now_iso(),
            registered_by,
        ],
    )


def add_case_result(
    con: sqlite3.Connection,
    *,
    wijkteam: str,
    household_id: str,
    address_key: str,
    result_date: date,
    eindresultaat: str,
    registered_by: str,
) -> None:
    con.execute(
        "insert into case_result (wijkteam, household_id, address_key, result_date, eindresultaat, "
        "registered_at, registered_by) values (?, ?, ?, ?, ?, ?, ?)",
        [
            wijkteam,
            household_id,
            address_key,
            result_date.isoformat(),
            eindresultaat,
            now_iso(),
            registered_by,
        ],
    )


def add_assignment(
    con: sqlite3.Connection, *, wijkteam: str, household_id: str, worker: str, by: str
) -> None:
    con.execute(
        "insert into assignment (wijkteam, household_id, worker, assigned_at, assigned_by) "
        "values (?, ?, ?, ?, ?)",
        [wijkteam, household_id, worker, now_iso(), by],
    )


def add_tier_override(
    con: sqlite3.Connection, *, wijkteam: str, household_id: str, as_of: date, tier: str, reason: str, by: str
) -> None:
    con.execute(
        "insert into tier_override (wijkteam, household_id, as_of_date, tier, reason, overridden_at, "
        "overridden_by) values (?, ?, ?, ?, ?, ?, ?)",
        [wijkteam, household_id, as_of.isoformat(), tier, reason, now_iso(), by],
    )


_OF_HOUSEHOLD = "x.wijkteam = ? and x.household_id = ?"
_BY_ID = "x.rowid = ?"


def _with_withdrawal(kind: str, where: str) -> str:
    """The registrations of one table with the withdrawal (if any) that refers to each."""
    id_column = REGISTRATION_IDS[kind]
    return (
        f"select x.*, x.{id_column} as registration_id, '{kind}' as kind, "  # noqa: S608 - fixed names
        "w.reason as withdrawn_reason, w.withdrawn_at, w.withdrawn_by "
        f"from {kind} as x left join withdrawal as w "
        f"on w.kind = '{kind}' and w.registration_id = x.{id_column} "
        f"where {where}"
    )


def household_registrations(
    con: sqlite3.Connection, wijkteam: str, household_id: str
) -> dict[str, list[dict]]:
    """Everything the team registered in the portal for one household, newest first.

    Withdrawn registrations are included (the history shows them as withdrawn, with the reason):
    `withdrawn_at` is set on those. What counts (list marks, the nightly import) leaves them out.
    """
    params = [wijkteam, household_id]
    orders = {
        "attempts": ("contact_attempt", "x.contact_date desc, x.attempt_id desc"),
        "results": ("case_result", "x.result_date desc, x.result_id desc"),
        "assignments": ("assignment", "x.assignment_id desc"),
        "overrides": ("tier_override", "x.override_id desc"),
    }
    found = {}
    for key, (kind, order) in orders.items():
        query = f"{_with_withdrawal(kind, _OF_HOUSEHOLD)} order by {order}"
        found[key] = [dict(r) for r in con.execute(query, params)]
    return found


def registration(con: sqlite3.Connection, kind: str, registration_id: int) -> dict | None:
    """One registration with its withdrawal, if any; None for an unknown kind or id."""
    if kind not in REGISTRATION_IDS:
        return None
    row = con.execute(_with_withdrawal(kind, _BY_ID), [registration_id]).fetchone()
    return dict(row) if row else None


def add_withdrawal(
    con: sqlite3.Connection,
    *,
    kind: str,
    registration_id: int,
    wijkteam: str,
    household_id: str,
    reason: str,
    by: str,
) -> bool:
    """Withdraw one registration of this team and household; False if it was withdrawn already.

    The registration must belong to `wijkteam` and `household_id` (a KeyError otherwise): one team
    never withdraws another's.
    """
    found = registration(con, kind, registration_id)
    if found is None or found["wijkteam"] != wijkteam or found["household_id"] != household_id:
        raise KeyError(f"{kind} {registration_id}")
    cur = con.execute(
        "insert or ignore into withdrawal (kind, registration_id, wijkteam, household_id, reason, "
        "withdrawn_at, withdrawn_by) values (?, ?, ?, ?, ?, ?, ?)",
        [kind, registration_id, wijkteam, household_id, reason, now_iso(), by],
    )
    return cur.rowcount == 1


def _not_withdrawn(kind: str, alias: str) -> str:
    """A condition: no withdrawal refers to this row (`kind` is a key of REGISTRATION_IDS, never input)."""
    return (
        f"not exists (select 1 from withdrawal as w where w.kind = '{kind}' "  # noqa: S608 - fixed names
        f"and w.registration_id = {alias}.{REGISTRATION_IDS[kind]})"
    )


def team_marks(con: sqlite3.Connection, wijkteam: str, as_of: date) -> dict[str, dict]:
    """Per household of a team: latest worker and the latest tier override for this as-of date.

    Withdrawn assignments and overrides do not count: the one before (if any) is the latest.
    """
    marks: dict[str, dict] = {}
    for row in con.execute(
        "select household_id, worker from assignment as a "  # noqa: S608 - fixed names
        f"where wijkteam = ? and {_not_withdrawn('assignment', 'a')} order by assignment_id",
        [wijkteam],
    ):
        marks.setdefault(row["household_id"], {})["worker"] = row["worker"]
    for row in con.execute(
        "select household_id, tier, reason from tier_override as o "  # noqa: S608 - fixed names
        f"where wijkteam = ? and as_of_date = ? and {_not_withdrawn('tier_override', 'o')} "
        "order by override_id",
        [wijkteam, as_of.isoformat()],
    ):
        marks.setdefault(row["household_id"], {})["override"] = {"tier": row["tier"], "reason": row["reason"]}
    return marks
