"""Rate limits of the DDAS API, per client (calls to /gegevens) and per IP address (calls to /token).

The lines of config/ddas_api.yaml `rate_limits` in moving windows, with the `limits` library in
memory (as portal/throttle.py does for log-ins): every call counts, and while any line is full the
call is refused with 429 and `Retry-After` (seconds until the fullest window has room again). A
restart of the portal forgets the counts.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from portal.ddas_api.config import RateLimits


def _items(lines: tuple[str, ...]) -> list[RateLimitItem]:
    return [item for line in lines for item in parse_many(line)]


class ApiThrottle:
    def __init__(self, config: RateLimits) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._lines = {"client": _items(config.per_client), "token-ip": _items(config.token_per_ip)}

    def hit(self, kind: str, who: str) -> int | None:
        """Count one call of `who`; None when allowed, else the seconds to wait (at least 1)."""
        waits = []
        for item in self._lines[kind]:
            if not self._limiter.hit(item, kind, who):
                reset = self._limiter.get_window_stats(item, kind, who).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None
