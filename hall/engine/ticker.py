"""Time rules for every hall this hub serves, watched or not, at the cost of the deadlines
alone (not of the halls):

- **What is due**: a table of each hall's next deadline (`hall:{H}:next`, epoch ms), kept
  in memory. The hub learns a deadline at once when it wrote it (`Engine.on_appended`: the
  last writer of a hall always knows its current deadline), and every `scan_every` seconds
  it reads them all (pipelined, per hall keys: fine on a cluster), for the deadlines other
  hubs wrote and for halls never written (no deadline: ticked at once, which writes one).
  Between scans nothing is read: an idle hall costs one GET per scan.
- **Who ticks**: every `interval` the due halls' deadlines are read again (one round trip;
  a deadline another hub already moved on is just noted), and each still due is claimed
  (`keys.tick_claim`: SET NX, per deadline), so one hub ticks it. The others look again
  `recheck` seconds later, when the winner has normally moved it on; if the winner died,
  they take it over once its claim expires (`keys.TICK_CLAIM_MS`).
- **Exactly once** is the compare-and-set's: a tick is `decide(state, Tick, now)` appended
  only if the hall did not move meanwhile, so a second ticker (a claim that expired under
  a slow tick, a command racing the deadline) finds nothing left to do. The claims only
  spare the work (when every hall of a city opens at 08:00, each is ticked by one hub).
"""

from __future__ import annotations

import logging

import anyio

from hall import metrics
from hall.core import DomainError
from hall.engine.engine import Engine
from hall.store.errors import StoreError

log = logging.getLogger(__name__)

SCAN_EVERY = 5.0  # seconds between two reads of every hall's deadline
RECHECK = 1.0  # seconds before a claim lost (or a tick that did nothing) is looked at again
NEVER_WRITTEN = 0  # the table's deadline for a hall without one: due at once
TOGETHER = 16  # ticks in flight at once


class Ticker:
    def __init__(
        self,
        engine: Engine,
        owner: str,
        *,
        interval: float = 0.2,
        scan_every: float = SCAN_EVERY,
        recheck: float = RECHECK,
    ) -> None:
        self.engine = engine
        self.owner = owner
        self.interval = interval
        self.scan_every = scan_every
        self.recheck_ms = int(recheck * 1000)
        self.deadlines: dict[str, int] = {}  # hall -> when to look at it next (epoch ms)
        self.ticked = 0  # ticks this hub ran (claims won)
        self._together = anyio.CapacityLimiter(TOGETHER)
        engine.on_appended.append(self._written)

    def _written(self, hall: str, next_ms: int | None) -> None:
        if next_ms is not None:
            self.deadlines[hall] = next_ms

    async def run(self) -> None:
        next_scan = anyio.current_time()
        while True:
            try:
                if anyio.current_time() >= next_scan:
                    await self.scan()
                    next_scan = anyio.current_time() + self.scan_every
                await self.fire()
            except StoreError as e:
                log.warning("ticker: store unavailable (%s); retrying", e)
            await anyio.sleep(self.interval)

    async def scan(self) -> None:
        """Read every hall's deadline."""
        halls = list(self.engine.halls)
        values = await self.engine.store.next_deadlines(halls)
        for hall, value in zip(halls, values, strict=True):
            self.deadlines[hall] = NEVER_WRITTEN if value is None else value

    async def fire(self) -> None:
        """Tick the halls whose deadline is due and whose claim this hub takes."""
        now_ms = self._now_ms()
        due = [h for h, at in self.deadlines.items() if at <= now_ms and h not in self.engine.lost]
        if not due:
            return
        held = await self.engine.store.next_deadlines(due)
        claims: list[tuple[str, int]] = []
        for hall, value in zip(due, held, strict=True):
            if value is not None and value > now_ms:
                self.deadlines[hall] = value  # moved on meanwhile (another hub, a command)
            else:
                claims.append((hall, NEVER_WRITTEN if value is None else value))
        taken = await self.engine.store.claim_deadlines(claims, self.owner)
        won = [hall for (hall, _), got in zip(claims, taken, strict=True) if got]
        for hall, _ in claims:
            self.deadlines[hall] = now_ms + self.recheck_ms  # unless the tick writes anew
        # Side by side, a few at a time: when every hall opens at once, the round trips of
        # one hall's tick overlap another's decision.
        async with anyio.create_task_group() as tg:
            for hall in won:
                tg.start_soon(self._tick, hall)

    async def _tick(self, hall: str) -> None:
        try:
            async with self._together:
                await self.engine.tick(hall)
            self.ticked += 1
            metrics.TICKS.inc()
        except DomainError as e:  # e.g. LogLost: the hub says so on /healthz
            log.error("ticker: hall %s: %s", hall, e.message)
        except StoreError as e:  # looked at again in `recheck`
            log.warning("ticker: hall %s: store unavailable (%s)", hall, e)

    def _now_ms(self) -> int:
        return int(self.engine.clock().timestamp() * 1000)
