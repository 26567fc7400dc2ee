"""Rate limits kept in a hub's memory: commands per token (`TokenBuckets`), and the 429
they answer with."""

from __future__ import annotations

from hall.core.errors import DomainError


class RateLimited(DomainError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__("rate_limited", message)
        self.retry_after = retry_after


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
