"""The pseudonymisation key sealed with a passphrase, kept apart from the backups it belongs to.

A backup holds no BSN (the warehouse has keyed pseudonyms only), but with the key a pseudonym can be
checked against a BSN; so the key never goes into a backup folder. It is written to a separate place
(another medium or the secret store's own backup) encrypted with Fernet (AES-128-CBC + HMAC-SHA256)
under a key derived from the passphrase with scrypt. The passphrase is never stored.

The fingerprint (an HMAC under the key of a fixed text) lets a restore check it was given the right
key without holding the key: it reveals no more than the pseudonyms in the warehouse already do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FORMAT = "vroeg-sealed-key/1"
# scrypt cost: 2**15 × 8 × 128 B = 32 MiB and ~0.1 s per derivation; fine for a backup or restore.
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MIN_PASSPHRASE = 12


class WrongPassphrase(ValueError):
    """The passphrase does not open the sealed key (or the file is damaged)."""


def fingerprint(key: bytes) -> str:
    return hmac.new(key, b"vroeg pseudonym key fingerprint", hashlib.sha256).hexdigest()[:16]


def _fernet(passphrase: str, salt: bytes, n: int, r: int, p: int) -> Fernet:
    derived = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(key: bytes, passphrase: str, path: Path) -> Path:
    """Write `key` encrypted under `passphrase` to `path` (0600); refuses to overwrite."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValueError(f"the passphrase needs at least {MIN_PASSPHRASE} characters")
    salt = secrets.token_bytes(16)
    token = _fernet(passphrase, salt, **_SCRYPT).encrypt(key)
    sealed = {
        "format": FORMAT,
        "kdf": {"name": "scrypt", **_SCRYPT, "salt": base64.b64encode(salt).decode("ascii")},
        "fingerprint": fingerprint(key),
        "token": token.decode("ascii"),
    }
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(sealed, out, indent=2)
    return path


def unseal(path: Path, passphrase: str) -> bytes:
    """The key sealed in `path`; WrongPassphrase when the passphrase (or the file) is wrong."""
    try:
        sealed = json.loads(Path(path).read_text(encoding="utf-8"))
        kdf = sealed["kdf"]
        salt = base64.b64decode(kdf["salt"])
        fernet = _fernet(passphrase, salt, int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        key = fernet.decrypt(sealed["token"].encode("ascii"))
    except (InvalidToken, KeyError, ValueError, TypeError) as exc:
        raise WrongPassphrase(str(path)) from exc
    if fingerprint(key) != sealed.get("fingerprint"):
        raise WrongPassphrase(str(path))
    return key
