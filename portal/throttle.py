"""Failed log-ins slow the next ones down, per source IP and per (account, IP): never a lock-out.

The limits of config/security.yaml (`login.failures_per_ip`, `login.failures_per_account_and_ip`)
count failed attempts (a wrong password, an unknown or inactive account, a wrong code at the second
step) in moving windows, with the `limits` library in memory. While a window is full, the next
attempt from that address (for that account) is refused without looking at the password, until the
window moves on; lines with longer windows make the wait grow the longer an address keeps failing.
Failures from one address never slow down the same account from another: whoever guesses a
coordinator's password from elsewhere cannot lock the coordinator out.

In memory: a restart of the portal forgets the counts (one process serves the portal; see the
README's production notes).
"""

from __future__ import annotations

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from portal.security_config import LoginConfig


def _items(lines: tuple[str, ...]) -> list[RateLimitItem]:
    return [item for line in lines for item in parse_many(line)]


class LoginThrottle:
    def __init__(self, config: LoginConfig) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_ip = _items(config.failures_per_ip)
        self._per_account_and_ip = _items(config.failures_per_account_and_ip)

    def _keys(self, username: str, ip: str | None) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        address = ip or "onbekend"
        account = username.strip().lower()
        return [(item, ("ip", address)) for item in self._per_ip] + [
            (item, ("account-ip", account, address)) for item in self._per_account_and_ip
        ]

    def is_throttled(self, username: str, ip: str | None) -> bool:
        """True while a failure window of this address, or of this account from it, is full."""
        return any(not self._limiter.test(item, *key) for item, key in self._keys(username, ip))

    def failed(self, username: str, ip: str | None) -> None:
        for item, key in self._keys(username, ip):
            self._limiter.hit(item, *key)
