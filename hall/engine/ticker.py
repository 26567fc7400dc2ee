"""Time rules: every hub wakes a few times a second, asks Redis which halls have a deadline
due, and runs `Tick` for them through the engine's compare-and-set. With several hubs each
rule still fires once: the hub that loses the race re-decides and finds nothing due."""

from __future__ import annotations

import logging

import anyio

from hall.engine.engine import Engine, LogLost
from hall.store.errors import StoreError

log = logging.getLogger(__name__)
SWEEP_EVERY = 5.0  # seconds: tick every hall regardless (a fresh or emptied Redis has no deadline)


async def run_ticker(engine: Engine, interval: float) -> None:
    halls = list(engine.halls)
    last_sweep = -SWEEP_EVERY
    while True:
        try:
            now = anyio.current_time()
            if now - last_sweep >= SWEEP_EVERY:
                due = halls
                last_sweep = now
            else:
                now_ms = int(engine.clock().timestamp() * 1000)
                due = await engine.store.due_halls(halls, now_ms)
            for hall in due:
                if hall not in engine.lost:
                    await engine.tick(hall)
        except StoreError as e:
            log.warning("ticker: store unavailable (%s); retrying", e)
        except LogLost as e:
            log.error("ticker: %s", e.message)
        await anyio.sleep(interval)
