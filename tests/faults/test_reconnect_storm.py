"""A reconnect storm: 2,000 screens on one hub; the hub restarts on the same port and every
one of them reconnects at once and gets its snapshot or full view again."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from tests.support.hubs import Hub
from tests.support.wait import eventually

from .clients import EventsScreen, ViewScreen, stop

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

SOCKETS = 2000  # half events sockets (fresh snapshot each time), half wall view sockets
BOUND = 30.0  # seconds, from the restarted hub's first health answer to the last resync


def test_2000_sockets_reconnect_at_once_after_a_hub_restart(many_files: int, hub: Hub) -> None:
    assert many_files >= 2 * SOCKETS + 200, "not enough file descriptors for the storm"
    asyncio.run(asyncio.wait_for(storm(hub), 140))


async def storm(hub: Hub) -> None:
    events = [EventsScreen([hub.ws], resume=False) for _ in range(SOCKETS // 2)]
    walls = [ViewScreen([hub.ws]) for _ in range(SOCKETS // 2)]
    screens: list[EventsScreen | ViewScreen] = [*events, *walls]
    tasks = [asyncio.create_task(s.run()) for s in screens]
    try:
        first = await eventually(lambda: all(s.synced_at for s in screens), 60, "all connected")
        stopping = time.monotonic()
        await asyncio.to_thread(hub.stop)  # SIGTERM: uvicorn closes every socket with 1012
        stopped = time.monotonic()
        await asyncio.to_thread(hub.start)  # same port; returns once /healthz answers 200
        up = time.monotonic()
        took = await eventually(
            lambda: all(len(s.synced_at) >= 2 for s in screens), 60, "all resynced", interval=0.1
        )
        last = max(s.synced_at[1] for s in screens)
        codes = Counter(code for s in events for code in s.closes)
    finally:
        await stop(tasks)
    print(
        f"\nreconnect storm: {SOCKETS} sockets first connected in {first:.1f} s "
        f"(close codes seen: {codes}); hub stopped in {stopped - stopping:.1f} s, restarted and "
        f"healthy in {up - stopped:.1f} s; every socket resynced {last - up:.1f} s after "
        f"it was healthy ({last - stopping:.1f} s after the stop began; polled {took:.1f} s)"
    )
    assert set(codes) == {1012}, codes  # a restart says "service restart" to every socket
    assert last - up < BOUND
    assert all(s.baseline is not None for s in events)
    for w in walls:
        assert not w.bad_first and w.full_views == w.connects >= 2
