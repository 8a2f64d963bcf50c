"""The DDAS pull API's clients and access tokens (portal/ddas_api/).

A client (CBS's collecting system) has an id, a label and a secret, stored only as an Argon2 hash
(the hashing itself is portal/ddas_api/clients.py's job). Revoking a client adds a row to
`ddas_client_revocation`; both tables are append-only. Access tokens are stored only as their
SHA-256 with their expiry; whoever reads this file cannot use one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from portal.state.logins import token_hash
from portal.state.store import now_iso


@dataclass(frozen=True)
class DdasClient:
    client_id: str
    label: str
    secret_hash: str
    created_at: str
    revoked_at: str | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class DdasToken:
    client_id: str
    scope: str
    expires_at: datetime
    client_revoked: bool


_CLIENTS = """
select c.client_id, c.label, c.secret_hash, c.created_at, r.revoked_at, r.revoked_by, c.created_by
from ddas_client as c left join ddas_client_revocation as r using (client_id)
"""


def add_ddas_client(con: sqlite3.Connection, client_id: str, label: str, secret_hash: str, by: str) -> None:
    con.execute(
        "insert into ddas_client (client_id, label, secret_hash, created_at, created_by) "
        "values (?, ?, ?, ?, ?)",
        [client_id, label, secret_hash, now_iso(), by],
    )


def ddas_client(con: sqlite3.Connection, client_id: str) -> DdasClient | None:
    row = con.execute(_CLIENTS + " where c.client_id = ?", [client_id]).fetchone()
    if row is None:
        return None
    return DdasClient(
        row["client_id"], row["label"], row["secret_hash"], row["created_at"], row["revoked_at"]
    )


def ddas_clients(con: sqlite3.Connection) -> list[dict]:
    """Every client (never its secret or hash): id, label, made when and by whom, revoked."""
    rows = con.execute(_CLIENTS + " order by c.created_at, c.client_id").fetchall()
    return [{k: v for k, v in dict(r).items() if k != "secret_hash"} for r in rows]


def revoke_ddas_client(con: sqlite3.Connection, client_id: str, by: str) -> bool:
    """Revoke a live client; False when it is unknown or already revoked."""
    client = ddas_client(con, client_id)
    if client is None or client.is_revoked:
        return False
    con.execute(
        "insert or ignore into ddas_client_revocation (client_id, revoked_at, revoked_by) values (?, ?, ?)",
        [client_id, now_iso(), by],
    )
    return True


def add_ddas_token(
    con: sqlite3.Connection, token: str, client_id: str, scope: str, expires_at: datetime
) -> None:
    con.execute(
        "insert into ddas_access_token (token_hash, client_id, scope, issued_at, expires_at) "
        "values (?, ?, ?, ?, ?)",
        [token_hash(token), client_id, scope, now_iso(), expires_at.isoformat(timespec="seconds")],
    )


def ddas_token(con: sqlite3.Connection, token: str) -> DdasToken | None:
    """The token's client, scope and expiry (expired or not), or None when no such token was issued."""
    row = con.execute(
        """
        select t.client_id, t.scope, t.expires_at, r.revoked_at
        from ddas_access_token as t left join ddas_client_revocation as r using (client_id)
        where t.token_hash = ?
        """,
        [token_hash(token)],
    ).fetchone()
    if row is None:
        return None
    return DdasToken(
        row["client_id"],
        row["scope"],
        datetime.fromisoformat(row["expires_at"]),
        row["revoked_at"] is not None,
    )
