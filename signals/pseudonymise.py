"""BSN → keyed pseudonym (HMAC-SHA256), computed inside DuckDB so no Python loop touches rows.

The key comes from the environment (`VROEG_PSEUDONYM_KEY`, or a file named by
`VROEG_PSEUDONYM_KEY_FILE`); it is never written to the warehouse or to a log. Without the key a
pseudonym cannot be linked back to a BSN; with the same key the same BSN always gives the same
pseudonym, which is what links a person across feeds.
"""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.workspace import DEMO_KEY_FILE

_BLOCK = 64  # SHA-256 block size in bytes


class MissingKey(RuntimeError):
    pass


def long_enough(key: str | None) -> bool:
    """A key of at least 16 characters (security, not policy)."""
    return bool(key) and len(key) >= 16


def pseudonym_key(workspace_root: Path | None = None) -> bytes:
    """The key from the environment; for a demo workspace, its own key file next to it.

    The demo key file is created by `vroeg demo` / `vroeg generate` only; a production
    installation sets VROEG_PSEUDONYM_KEY(_FILE) from its secret store.
    """
    value = os.environ.get("VROEG_PSEUDONYM_KEY")
    key_file = os.environ.get("VROEG_PSEUDONYM_KEY_FILE")
    if not value and not key_file and workspace_root is not None:
        demo = workspace_root / DEMO_KEY_FILE
        key_file = str(demo) if demo.exists() else None
    if not value and key_file:
        value = Path(key_file).read_text(encoding="utf-8").strip()
    if not long_enough(value):
        raise MissingKey(
            "Set VROEG_PSEUDONYM_KEY (at least 16 characters) or VROEG_PSEUDONYM_KEY_FILE: "
            "BSNs are pseudonymised at intake with this key."
        )
    return value.encode("utf-8")


def create_demo_key(workspace_root: Path) -> Path:
    """A random key file for a demo workspace (never for production data)."""
    import secrets

    path = workspace_root / DEMO_KEY_FILE
    if not path.exists():
        workspace_root.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path


def hmac_parameters(key: bytes) -> dict[str, bytes]:
    """The inner and outer padded keys of HMAC (RFC 2104), bound as SQL parameters."""
    import hashlib

    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return {
        "hmac_ipad": bytes(b ^ 0x36 for b in key),
        "hmac_opad": bytes(b ^ 0x5C for b in key),
    }


def pseudonym_sql(column: str) -> str:
    """SQL for HMAC-SHA256($key, column) as hex, shortened to 32 hex characters (128 bits).

    `column` must be an identifier from our own contract, never user input; the key parts are
    bound parameters `$hmac_ipad` and `$hmac_opad`.
    """
    inner = f"unhex(sha256($hmac_ipad || encode({column})))"
    return f"case when {column} is null then null else left(sha256($hmac_opad || {inner}), 32) end"
