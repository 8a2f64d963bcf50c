"""Who may come in: accounts, sessions and supplier API tokens in the portal's SQLite file.

Secrets are never stored: passwords as Argon2 hashes (portal/security.py makes them), session ids
and API tokens as their SHA-256. A revoked API token is a revocation row (append-only).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

from portal.state.store import now_iso


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
