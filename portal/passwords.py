"""The password policy (OWASP ASVS 4.0 V2.1): length, common passwords, strength.

A password has at least MIN_LENGTH and at most MAX_LENGTH characters of any kind (spaces and
emoji too; nothing is stripped or truncated), is not on the list of common and breached passwords
that ships with the portal (portal/common_passwords.txt), and zxcvbn rates it at least MIN_SCORE
(0–4). Applied wherever a person sets a password: `vroeg portal user add`, the administrator's
account page (new account, reset), through portal.accounts.

The list is regenerated with `python -m portal.passwords` (no network: it reads zxcvbn's own
frequency list, then adds DUTCH_COMMON).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3
COMMON_LIST = Path(__file__).with_name("common_passwords.txt")
# Words a Dutch user reaches for: zxcvbn's dictionaries are English, so it is told about these.
DUTCH_COMMON = (
    "wachtwoord", "wachtwoord1", "wachtwoord123", "welkom", "welkom01", "welkom123", "geheim",
    "geheim123", "gemeente", "gemeente123", "vroegsignalering", "zomer2026", "winter2026", "voorjaar",
    "najaar", "amsterdam", "rotterdam", "zaanstad", "voetbal", "ajax", "feyenoord", "psv", "hallo",
    "hallo123", "liefde", "schatje", "konijn", "poes", "hond", "welkomwelkom", "wachtwoordwachtwoord",
    "qwertyuiop123", "1234567890ab", "passwordpassword", "welkom2026!", "welkom01!",
)  # fmt: skip
# zxcvbn's time grows with the length; the policy's strength judgement needs only the start.
_ZXCVBN_CHARS = 100


class WeakPassword(ValueError):
    """The password is refused: one Dutch sentence saying why."""


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_password(password: str, username: str = "") -> None:
    """Raise WeakPassword when `password` does not meet the policy."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Een wachtwoord heeft minstens {MIN_LENGTH} tekens.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Een wachtwoord heeft hoogstens {MAX_LENGTH} tekens.")
    if password.lower() in common_passwords():
        raise WeakPassword("Dit wachtwoord komt voor in lijsten van veelgebruikte of gelekte wachtwoorden.")
    if username and username.lower() in password.lower():
        raise WeakPassword("Een wachtwoord bevat niet de gebruikersnaam.")
    hints = [username, *DUTCH_COMMON] if username else list(DUTCH_COMMON)
    if zxcvbn(password[:_ZXCVBN_CHARS], user_inputs=hints)["score"] < MIN_SCORE:
        raise WeakPassword(
            "Dit wachtwoord is te makkelijk te raden. Kies een langere zin van een paar losse woorden, "
            "of laat er een maken."
        )


def write_common_list(top: int = 10_000) -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = dict.fromkeys(w.lower() for w in [*FREQUENCY_LISTS["passwords"][:top], *DUTCH_COMMON])
    COMMON_LIST.write_text(
        "# Common and breached passwords, refused whatever their length (portal/passwords.py).\n"
        f"# The {top:,} most common passwords of zxcvbn 4.5.0's frequency list (from leaked password\n"
        "# sets), then Dutch ones; one per line, lower case. Regenerate: python -m portal.passwords\n"
        + "\n".join(words)
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    write_common_list()
