"""The HTTP edge's own checks beyond who is calling (`hall.live.gate`): the CSRF header a
cookie session must send, and the per-token command rate."""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection

from hall.core.errors import DomainError, Forbidden
from hall.live.gate import Principal

CSRF_HEADER = "x-hall-csrf"


class RateLimited(DomainError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__("rate_limited", message)
        self.retry_after = retry_after


def check_csrf(conn: HTTPConnection, principal: Principal) -> None:
    """A cookie rides along on any request the browser makes; a custom header only on ours."""
    if not principal.via_cookie:
        return
    sent = conn.headers.get(CSRF_HEADER, "")
    if not principal.csrf or not hmac.compare_digest(sent.encode(), principal.csrf.encode()):
        raise Forbidden("missing or wrong X-Hall-CSRF header for a cookie session")


class TokenBuckets:
    """Per-token command rate limit on this hub: `rate` a second, bursts up to `rate`."""

    def __init__(self, rate: int, per: float) -> None:
        self.capacity = float(rate)
        self.refill = rate / per
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float) -> None:
        level, last = self._buckets.get(key, (self.capacity, now))
        level = min(self.capacity, level + (now - last) * self.refill)
        if level < 1:
            wait = max(1, int((1 - level) / self.refill + 0.999))
            raise RateLimited("too many commands from this token; slow down", wait)
        self._buckets[key] = (level - 1, now)
        if len(self._buckets) > 10_000:  # forget idle tokens
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
