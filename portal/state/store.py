"""Opening the portal's SQLite file: its tables, the append-only triggers, in-place migrations.

Not in the warehouse: the nightly flow replaces warehouse.duckdb by a new copy every night (anything
written there would be lost) and DuckDB allows one writing process. SQLite with WAL lets the portal's
request threads write while the nightly flow reads the registrations.

The audit log and the registrations are append-only: there is no UPDATE or DELETE for them in this
code, and triggers refuse both. Only sessions are deleted (log-out, expiry, deactivation) and
accounts changed (active or not, password).

SQLite cannot change a CHECK constraint. The tables whose CHECK follows configuration or a new
kind of registration (`withdrawal.kind`, `lane_override.lane`, which lists the lane codes of
rules/lanes.yaml), and `contact_attempt` and `audit_log`, which gained columns (`follow_up_date`;
`result`, `object`, `row_hash`), are rebuilt in
place when their definition differs from the one below: inside one transaction the rows are copied
to a table with the new definition, which replaces the old one, and the triggers are made again.
Rows that the new CHECK refuses abort the rebuild (nothing changes). A new column is NULL in the
rows from before.

Notes on contact attempts (`contact_note`) are not append-only: the retention purge deletes them
(portal/state/notes.py); a trigger refuses UPDATE.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rules.lanes import default_lanes

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

-- Clients of the DDAS pull API (portal/ddas_api/): CBS's systems, each with its own secret, kept
-- only as an Argon2 hash. A client is never changed or deleted; revoking it adds a row below.
create table if not exists ddas_client (
    client_id       text primary key,
    label           text not null,
    secret_hash     text not null,
    created_at      text not null,
    created_by      text not null
);

create table if not exists ddas_client_revocation (
    client_id       text primary key references ddas_client (client_id),
    revoked_at      text not null,
    revoked_by      text not null
);

-- The DDAS API's access tokens: opaque random strings, stored only as their SHA-256, with the
-- moment they stop working. Not append-only: expired tokens may be deleted.
create table if not exists ddas_access_token (
    token_hash      text primary key,
    client_id       text not null references ddas_client (client_id),
    scope           text not null,
    issued_at       text not null,
    expires_at      text not null
);

-- The second factor's recovery codes: only their Argon2 hashes; a used one keeps its row (used_at).
-- An administrator's reset of the second factor deletes them.
create table if not exists recovery_code (
    code_id         integer primary key,
    account_id      integer not null references account (account_id),
    code_hash       text not null,
    created_at      text not null,
    used_at         text
);

-- What coordinators registered. The nightly flow takes these into reg_contact_attempt and
-- reg_case_result (source 'portal'); signals.registrations.load_portal_registrations reads them.
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
"""

# Every view and change of personal data, every log-in and every refusal (portal/state/audit_log.py).
# `result` (toegestaan / geweigerd), `object` (the route or thing acted on) and `row_hash` (the hash
# chain) came later: a file without them is rebuilt with them, NULL in the rows from before (the
# chain starts at the first row that has a hash; audit_log.verify_audit_chain).
AUDIT_LOG = """
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
    ip              text,
    result          text,
    object          text,
    row_hash        text
)
"""
AUDIT_LOG_INDEX = """
create index if not exists audit_log_by_action on audit_log (action, username);
create index if not exists audit_log_by_household on audit_log (household_id);
"""

# What coordinators registered. The nightly flow takes these into reg_contact_attempt (source
# 'portal'). `follow_up_date` (opvolgen op) came later: a file without it is rebuilt with it (NULL
# for the attempts made before).
CONTACT_ATTEMPT = """
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
    registered_by   text not null,
    follow_up_date  text
)
"""

# A coordinator's note on a contact attempt: personal data, shown to the team's coordinators only,
# never exported or taken into the warehouse. Not append-only like the registrations: the retention
# purge (portal/state/notes.py) deletes a note after its term, or once its attempt is withdrawn.
# A trigger refuses UPDATE; nothing but the purge deletes.
CONTACT_NOTE = """
create table if not exists contact_note (
    attempt_id      integer primary key, -- contact_attempt.attempt_id (no FOREIGN KEY: a rebuild of
                                     -- contact_attempt drops and renames it)
    wijkteam        text not null,
    household_id    text not null,
    note            text not null check (length(trim(note)) > 0),
    registered_at   text not null,
    registered_by   text not null
);

create trigger if not exists contact_note_no_update before update on contact_note
begin select raise(abort, 'contact_note cannot be changed'); end;
"""

# A coordinator moves a household to another lane for one list (as-of date), with a reason. The
# older tier_override table (tiers crisis/hoog/normaal, before lanes) is no longer made; in a file
# that has one, its rows stay as history with their own triggers.
LANE_OVERRIDE = """
create table if not exists lane_override (
    override_id     integer primary key,
    wijkteam        text not null,
    household_id    text not null,
    as_of_date      text not null,
    lane            text not null check (lane in ({lanes})),
    reason          text not null check (length(trim(reason)) > 0),
    overridden_at   text not null,
    overridden_by   text not null
)
"""

# A registration made by mistake is withdrawn, never erased: this row refers to it by table and id.
# 'tier_override' stays allowed: withdrawals of the old tier overrides are history too.
WITHDRAWAL = """
create table if not exists withdrawal (
    withdrawal_id   integer primary key,
    kind            text not null
                    check (kind in ('contact_attempt', 'case_result', 'assignment', 'tier_override',
                                    'lane_override')),
    registration_id integer not null,
    wijkteam        text not null,
    household_id    text not null,
    reason          text not null check (length(trim(reason)) > 0),
    withdrawn_at    text not null,
    withdrawn_by    text not null,
    unique (kind, registration_id)
)
"""

# Columns that came later, added in place to a file without them: (table, column, definition).
# The second factor (portal/second_factor.py): the account's TOTP secret and the last time step a
# code was accepted for (no code twice); a session is "logged in" only once verified, and until
# then holds the secret being set up and the count of wrong codes.
ADDED_COLUMNS = (
    ("account", "totp_secret", "text"),
    ("account", "totp_last_step", "integer"),
    ("session", "is_verified", "integer not null default 0"),
    ("session", "pending_totp_secret", "text"),
    ("session", "code_failures", "integer not null default 0"),
)

APPEND_ONLY = (
    "audit_log",
    "contact_attempt",
    "case_result",
    "assignment",
    "lane_override",
    "withdrawal",
    "api_token_revocation",
    "ddas_client",
    "ddas_client_revocation",
)


def _lane_override_ddl() -> str:
    # Lane codes match ^[a-z_]+$ (rules/lanes.py checks it), so they are safe inside the quotes.
    return LANE_OVERRIDE.format(lanes=", ".join(f"'{code}'" for code in default_lanes().codes))


def _rebuilt_tables() -> dict[str, str]:
    """The tables rebuilt in place when their definition changed: name → definition."""
    return {
        "audit_log": AUDIT_LOG,
        "withdrawal": WITHDRAWAL,
        "lane_override": _lane_override_ddl(),
        "contact_attempt": CONTACT_ATTEMPT,
    }


def _triggers(tables: tuple[str, ...] = APPEND_ONLY) -> str:
    return "\n".join(
        f"create trigger if not exists {table}_no_{verb} before {verb} on {table} "
        f"begin select raise(abort, '{table} is append-only'); end;"
        for table in tables
        for verb in ("update", "delete")
    )


def _body(sql: str) -> str:
    """A table definition from its first parenthesis, whitespace and case evened out.

    SQLite keeps the statement's text in sqlite_master, with the table name quoted after a rename;
    the columns and constraints are what decide whether the table is the one wanted.
    """
    return re.sub(r"\s+", " ", sql[sql.index("(") :]).strip().lower()


def _stored(con: sqlite3.Connection, table: str) -> str | None:
    row = con.execute("select sql from sqlite_master where type = 'table' and name = ?", [table]).fetchone()
    return row[0] if row else None


def _rebuild(con: sqlite3.Connection, table: str, ddl: str) -> None:
    """Replace `table` by one made with `ddl`, keeping its rows and its append-only triggers."""
    con.execute("begin immediate")
    try:
        stored = _stored(con, table)  # again, inside the lock: another process may have done it
        if stored is not None and _body(stored) != _body(ddl):
            columns = ", ".join(r[1] for r in con.execute(f"pragma table_info({table})"))
            con.execute(ddl.replace(f"if not exists {table} ", f"{table}__next ", 1))
            con.execute(
                f"insert into {table}__next ({columns}) select {columns} from {table}"  # noqa: S608 - fixed names
            )
            con.execute(f"drop table {table}")  # drops its triggers first: no trigger fires
            con.execute(f"alter table {table}__next rename to {table}")
            # one by one: executescript would commit the transaction first
            for statement in _triggers((table,)).splitlines():
                con.execute(statement)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _add_columns(con: sqlite3.Connection) -> None:
    for table, column, definition in ADDED_COLUMNS:
        if column not in {r[1] for r in con.execute(f"pragma table_info({table})")}:
            try:
                con.execute(f"alter table {table} add column {column} {definition}")
            except sqlite3.OperationalError as exc:  # another process added it meanwhile
                if "duplicate column" not in str(exc):
                    raise


# The portal's threads take turns at writing portal.sqlite. SQLite would make a writer that finds
# the file locked sleep and retry (its busy handler sleeps up to 100 ms at a time), so under many
# concurrent requests a short write could wait far longer than the writes before it took; a
# process lock hands the turn over at once. Other processes (the CLI) still meet SQLite's lock.
_WRITE_TURN = threading.Lock()


@contextmanager
def write_turn() -> Iterator[None]:
    """This process's turn to write portal.sqlite (see _WRITE_TURN)."""
    with _WRITE_TURN:
        yield


def now_iso() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="seconds")


def _schema_version() -> int:
    """A fingerprint of everything open_state makes, as SQLite's user_version (a signed 32-bit int)."""
    made = [
        SCHEMA,
        *_rebuilt_tables().values(),
        repr(ADDED_COLUMNS),
        CONTACT_NOTE,
        AUDIT_LOG_INDEX,
        _triggers(),
    ]
    return int.from_bytes(hashlib.sha256("\n".join(made).encode()).digest()[:4], "big") & 0x7FFFFFFF


def open_state(path: Path) -> sqlite3.Connection:
    """A connection to the portal state, created and migrated on first use.

    The schema is brought up to date only when the file's user_version is not this code's
    fingerprint of it: the portal opens a connection per request, and checking every table's
    definition each time cost ~5 ms of each page (bench/portal.py)."""
    con = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute("pragma journal_mode = wal")
    con.execute("pragma foreign_keys = on")
    con.execute("pragma busy_timeout = 10000")
    version = _schema_version()
    if con.execute("pragma user_version").fetchone()[0] == version:
        return con
    rebuilt = _rebuilt_tables()
    con.executescript(SCHEMA + ";\n".join(rebuilt.values()) + ";\n")
    for table, ddl in rebuilt.items():
        stored = _stored(con, table)
        if stored is not None and _body(stored) != _body(ddl):
            _rebuild(con, table, ddl)
    _add_columns(con)
    con.executescript(CONTACT_NOTE)  # after contact_attempt has its final form: it refers to it
    con.executescript(AUDIT_LOG_INDEX)  # after audit_log has its final form: a rebuild drops them
    con.executescript(_triggers())
    con.execute(f"pragma user_version = {version}")  # a number made above, not input
    return con


def has_table(con: sqlite3.Connection, table: str) -> bool:
    return _stored(con, table) is not None
