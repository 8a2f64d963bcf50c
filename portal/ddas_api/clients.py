"""DDAS API clients, made and revoked in one place for the CLI and the administrator's page.

`vroeg portal ddas-client add|list|revoke` and /beheer/ddas-clients call these functions, so the
audit lines are the same either way. The secret is returned once and stored only as an Argon2 hash.
"""

from __future__ import annotations

import re
import sqlite3

from portal import state
from portal.ddas_api.oauth import hash_secret, new_client_id, new_secret

LABEL = re.compile(r"^[^\x00-\x1f<>]{1,80}$")


class ClientError(ValueError):
    """The change is not made: one Dutch sentence saying why."""


def create_client(
    con: sqlite3.Connection, label: str, *, by: str, by_role: str | None = None, ip: str | None = None
) -> tuple[str, str]:
    """(client id, secret) of a new client; the secret is shown once."""
    label = label.strip()
    if not LABEL.match(label):
        raise ClientError("Geef een omschrijving van 1 tot 80 tekens (bijv. 'CBS productie').")
    client_id, secret = new_client_id(), new_secret()
    state.add_ddas_client(con, client_id, label, hash_secret(secret), by)
    state.audit(con, "ddas_client_aangemaakt", username=by, role=by_role, ip=ip, detail=f"client {client_id}")
    return client_id, secret


def revoke_client(
    con: sqlite3.Connection, client_id: str, *, by: str, by_role: str | None = None, ip: str | None = None
) -> None:
    """Revoke a client: its tokens stop working at once (403), and it gets no new ones."""
    if not state.revoke_ddas_client(con, client_id[:100], by):
        raise ClientError("Deze client bestaat niet of is al ingetrokken.")
    state.audit(
        con, "ddas_client_ingetrokken", username=by, role=by_role, ip=ip, detail=f"client {client_id}"
    )
