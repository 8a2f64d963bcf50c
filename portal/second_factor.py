"""The second factor: TOTP codes (RFC 6238) from an authenticator app, and one-time recovery codes.

The secret is made at set-up, shown once (as text and as a QR code, an inline SVG data: URI that
the Content-Security-Policy's `img-src data:` allows: no request leaves the portal) and stored in
portal.sqlite only once a code made from it is entered. A code is accepted for the time step before,
at and after now (30 s each), and never twice for the same account: the account remembers the last
step it accepted (state.claim_totp_step). Recovery codes are stored as Argon2 hashes, each usable once.
"""

from __future__ import annotations

import secrets
import sqlite3
import time

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal import state

VALID_WINDOW = 1  # steps either side of now
_HASHER = PasswordHasher()
# No 0/O, 1/I/L: a recovery code is typed over from paper.
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code: an SVG data: URI for an <img>."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (within VALID_WINDOW of now) whose code is `code`, or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)  # type: ignore[arg-type]
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            found = step  # no early return: every step is compared
    return found


def accept_code(con: sqlite3.Connection, account: state.Account, code: str) -> bool:
    """A TOTP code of the account's secret that was not used before (it is used now)."""
    if account.totp_secret is None:
        return False
    step = matching_step(account.totp_secret, code)
    return step is not None and state.claim_totp_step(con, account.account_id, step)


def new_recovery_codes(count: int) -> list[str]:
    """`count` codes of 10 characters (about 49 bits each), written as xxxxx-xxxxx."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _normal(code: str) -> str:
    return "".join(code.lower().split()).replace("-", "")


def store_recovery_codes(con: sqlite3.Connection, account_id: int, codes: list[str]) -> None:
    state.add_recovery_codes(con, account_id, [_HASHER.hash(_normal(c)) for c in codes])


def accept_recovery_code(con: sqlite3.Connection, account: state.Account, code: str) -> bool:
    """An unused recovery code of the account (now used)."""
    normal = _normal(code)
    if len(normal) != 10:
        return False
    for code_id, code_hash in state.unused_recovery_codes(con, account.account_id):
        try:
            _HASHER.verify(code_hash, normal)
        except (VerificationError, InvalidHashError):
            continue
        return state.use_recovery_code(con, code_id)
    return False
