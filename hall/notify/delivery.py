"""Sending one message to one channel: tried again with exponential backoff and jitter when
the endpoint fails (no answer, 5xx, 408/425/429, or a robot's `errcode` other than 0), up
to `Backoff.tries` tries, then given up and logged. Before each new try the cause is
checked again: a notice whose cause has ended is dropped, not sent late. Each delivery
sleeps on its own, so a failing endpoint holds up neither the other channels nor the log.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import anyio

from hall import metrics
from hall.notify import adapters
from hall.notify.adapters import Request
from hall.notify.endpoints import Endpoint

if TYPE_CHECKING:  # httpx is imported when a hall has a channel (hall.notify.notifier)
    import httpx

log = logging.getLogger(__name__)

Outcome = Literal["sent", "given_up", "dropped"]
TIMEOUT_S, CONNECT_TIMEOUT_S = 10.0, 5.0  # per try


@dataclass(frozen=True, slots=True)
class Backoff:
    """`tries` in all; before retry k (1, 2, …) a pause of `first * factor**(k-1)` seconds,
    jittered to between half and all of it: 5 tries over about 2 minutes by default
    (3 + 9 + 27 + 81 s at most)."""

    tries: int = 5
    first: float = 3.0
    factor: float = 3.0

    def delay(self, retry: int) -> float:
        full = self.first * self.factor ** (retry - 1)
        return random.uniform(full / 2, full)


async def deliver(
    client: httpx.AsyncClient,
    endpoint: Endpoint,
    build: Callable[[], Request],
    backoff: Backoff,
    still_current: Callable[[], Awaitable[bool]],
    what: str,
) -> Outcome:
    """Send `build()` (built again for each try: signatures carry the time) to `endpoint`.
    `what` names the message in logs (never the address: it carries the robot's key)."""
    import httpx

    where = f"{endpoint.hall}/{endpoint.id} ({endpoint.kind})"
    for attempt in range(1, backoff.tries + 1):
        if attempt > 1:
            await anyio.sleep(backoff.delay(attempt - 1))
            if not await still_current():
                metrics.NOTIFICATIONS.labels(endpoint.kind, "dropped").inc()
                log.info("notify: %s to %s dropped: its cause has ended", what, where)
                return "dropped"
        request = build()
        try:
            response = await client.post(request.url, content=request.body, headers=request.headers)
        except httpx.HTTPError as exc:
            verdict, reason = "retry", type(exc).__name__
        else:
            verdict, reason = adapters.verdict(
                endpoint.kind, response.status_code, response.content
            )
        if verdict == "ok":
            metrics.NOTIFICATIONS.labels(endpoint.kind, "sent").inc()
            log.info("notify: %s sent to %s (try %d)", what, where, attempt)
            return "sent"
        metrics.NOTIFICATIONS.labels(endpoint.kind, "failed").inc()
        log.warning("notify: %s to %s failed (try %d): %s", what, where, attempt, reason)
        if verdict == "fail":
            break
    metrics.NOTIFICATIONS.labels(endpoint.kind, "given_up").inc()
    log.error("notify: %s to %s given up", what, where)
    return "given_up"
