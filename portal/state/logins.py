"""Who may come in: accounts, sessions and supplier API tokens in the portal's SQLite file.

Secrets are never stored: passwords as Argon2 hashes (portal/security.py makes them), session ids
and API tokens as their SHA-256. A revoked API token is a revocation row (append-only).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

from portal.state.store import now_iso, write_turn


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
    totp_secret: str | None = None
    totp_last_step: int | None = None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None


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
        row["totp_secret"],
        row["totp_last_step"],
    )


def set_password_hash(con: sqlite3.Connection, account_id: int, password_hash: str) -> None:
    """Argon2 parameters change over time: a hash is renewed at log-in when it needs it."""
    con.execute("update account set password_hash = ? where account_id = ?", [password_hash, account_id])


def accounts(con: sqlite3.Connection) -> list[dict]:
    """Every account (without its password hash), with its last log-in from the audit log."""
    rows = con.execute(
        """
        select a.account_id, a.username, a.role, a.team_code, a.supplier_code, a.is_active, a.created_at,
               a.totp_secret is not null as has_second_factor,
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


def add_session(
    con: sqlite3.Connection, session_id: str, account_id: int, csrf_token: str, is_verified: bool = True
) -> None:
    """A session; `is_verified=False`: the password is right but the second factor is still to come."""
    stamp = now_iso()
    con.execute(
        "insert into session (session_hash, account_id, csrf_token, created_at, last_seen_at, is_verified) "
        "values (?, ?, ?, ?, ?, ?)",
        [token_hash(session_id), account_id, csrf_token, stamp, stamp, int(is_verified)],
    )


def session_account(
    con: sqlite3.Connection, session_id: str, is_verified: bool = True
) -> tuple[Account, str, str, str] | None:
    """(account, csrf token, created_at, last_seen_at) of a live session id, or None.

    By default only a logged-in session (second factor done); `is_verified=False` finds a half-made
    log-in instead (password right, second factor to come)."""
    row = con.execute(
        "select a.*, s.csrf_token, s.created_at as session_created_at, s.last_seen_at "
        "from session as s inner join account as a using (account_id) "
        "where s.session_hash = ? and a.is_active = 1 and s.is_verified = ?",
        [token_hash(session_id), int(is_verified)],
    ).fetchone()
    if row is None:
        return None
    return _account(row), row["csrf_token"], row["session_created_at"], row["last_seen_at"]


def touch_session(con: sqlite3.Connection, session_id: str) -> None:
    with write_turn():
        con.execute(
            "update session set last_seen_at = ? where session_hash = ?", [now_iso(), token_hash(session_id)]
        )


def end_session(con: sqlite3.Connection, session_id: str) -> None:
    con.execute("delete from session where session_hash = ?", [token_hash(session_id)])


def end_account_sessions(con: sqlite3.Connection, account_id: int) -> None:
    con.execute("delete from session where account_id = ?", [account_id])


# --- the second factor (portal/second_factor.py) ---------------------------------------------------


def pending_totp_secret(con: sqlite3.Connection, session_id: str) -> str | None:
    row = con.execute(
        "select pending_totp_secret from session where session_hash = ?", [token_hash(session_id)]
    ).fetchone()
    return row[0] if row else None


def set_pending_totp_secret(con: sqlite3.Connection, session_id: str, secret: str) -> None:
    """The secret being set up, kept with the half-made log-in until a code from it is entered."""
    con.execute(
        "update session set pending_totp_secret = ? where session_hash = ?", [secret, token_hash(session_id)]
    )


def add_code_failure(con: sqlite3.Connection, session_id: str) -> int:
    """Count a wrong code on a half-made log-in; returns how many there were."""
    row = con.execute(
        "update session set code_failures = code_failures + 1 where session_hash = ? returning code_failures",
        [token_hash(session_id)],
    ).fetchone()
    return int(row[0]) if row else 0


def set_totp_secret(con: sqlite3.Connection, account_id: int, secret: str | None) -> None:
    """Set (or with None clear) an account's TOTP secret; its recovery codes go with a clear."""
    con.execute(
        "update account set totp_secret = ?, totp_last_step = null where account_id = ?", [secret, account_id]
    )
    if secret is None:
        con.execute("delete from recovery_code where account_id = ?", [account_id])


def claim_totp_step(con: sqlite3.Connection, account_id: int, step: int) -> bool:
    """Record `step` as used if it is later than the last one used: False when it was used already
    (or an earlier one since), so a code is never accepted twice, even by two requests at once."""
    cur = con.execute(
        "update account set totp_last_step = ? "
        "where account_id = ? and (totp_last_step is null or totp_last_step < ?)",
        [step, account_id, step],
    )
    return cur.rowcount == 1


def add_recovery_codes(con: sqlite3.Connection, account_id: int, code_hashes: list[str]) -> None:
    """Replace the account's recovery codes by these (hashes only)."""
    stamp = now_iso()
    con.execute("delete from recovery_code where account_id = ?", [account_id])
    con.executemany(
        "insert into recovery_code (account_id, code_hash, created_at) values (?, ?, ?)",
        [(account_id, h, stamp) for h in code_hashes],
    )


def unused_recovery_codes(con: sqlite3.Connection, account_id: int) -> list[tuple[int, str]]:
    """(code id, hash) of the account's recovery codes not used yet."""
    rows = con.execute(
        "select code_id, code_hash from recovery_code where account_id = ? and used_at is null",
        [account_id],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def use_recovery_code(con: sqlite3.Connection, code_id: int) -> bool:
    """Mark a recovery code used; False when it already was (two requests at once)."""
    cur = con.execute(
        "update recovery_code set used_at = ? where code_id = ? and used_at is null", [now_iso(), code_id]
    )
    return cur.rowcount == 1


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
