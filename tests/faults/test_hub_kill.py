"""kill -9 one of two hubs under load, in the middle of its fan-out to 50 screens.

(The write side alone, 200 commands with one hub killed, is
tests/integration/test_faults.py::test_kill_9_one_of_two_hubs_during_200_commands.)
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.support.hubs import Hub
from tests.support.wait import eventually

from .clients import (
    EventsScreen,
    Publisher,
    Screen,
    ViewScreen,
    issues,
    log_events,
    stop,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(120),
    pytest.mark.redis_kinds("single", "cluster"),
]

SCREENS = 100  # half events sockets, half wall view sockets, half of each on either hub
COMMANDS = 400


def test_kill_9_a_hub_mid_fanout_and_its_screens_resync_on_the_other(
    two_hubs: list[Hub],
) -> None:
    asyncio.run(asyncio.wait_for(kill_mid_fanout(*two_hubs), 100))


async def kill_mid_fanout(a: Hub, b: Hub) -> None:
    events: list[EventsScreen] = []
    walls: list[ViewScreen] = []
    for i in range(SCREENS // 2):
        first, other = (a, b) if i % 2 else (b, a)
        events.append(EventsScreen([first.ws, other.ws]))
        walls.append(ViewScreen([first.ws, other.ws]))
    screens: list[Screen] = [*events, *walls]
    on_b = [s for s in screens if s.urls[0] == b.ws]
    tasks = [asyncio.create_task(s.run()) for s in screens]
    try:
        await eventually(lambda: all(s.synced_at for s in screens), 30, "screens up")
        publisher = Publisher([a.url, b.url])
        publishing = asyncio.create_task(publisher.run(issues(COMMANDS, "kill"), concurrency=8))
        await eventually(lambda: len(publisher.acked) >= COMMANDS // 4, 30, "a quarter acked")
        fanning = sum(s.frames for s in walls if s.urls[0] == b.ws)
        await asyncio.to_thread(b.kill)  # SIGKILL while b's screens are receiving
        killed_at = time.monotonic()
        await publishing
        history = await log_events(a.url)
        logged = [e["id"] for e in history]
        final = logged[-1]
        took = await eventually(
            lambda: all(s.last == final for s in events), 30, "every events screen at the end"
        )
        fresh = ViewScreen([a.ws])
        fresh_task = asyncio.create_task(fresh.run())
        await eventually(lambda: fresh.synced_at, 10, "a fresh wall")
        await eventually(
            lambda: all(
                w.parts.get(part) == fresh.parts[part]
                for w in walls
                for part in ("count-waiting", "count-staffed", "calling")
            ),
            30,
            "every wall shows the final counts and call",
        )
        tasks.append(fresh_task)
    finally:
        await stop(tasks)

    print(
        f"\nkill -9 mid-fanout: {len(publisher.acked)} commands acknowledged, "
        f"{len(logged)} events, failures seen by the publisher {publisher.failures}, "
        f"{fanning} wall frames received from the killed hub before the kill; "
        f"screens complete {time.monotonic() - killed_at:.1f} s after the kill "
        f"({took:.2f} s after the last command)"
    )
    assert len(publisher.acked) == COMMANDS
    assert len(logged) == len(set(logged))
    acked = [i for ids in publisher.acked.values() for i in ids]
    assert len(acked) == len(set(acked)) >= COMMANDS
    assert set(acked) <= set(logged)
    issued = [e["ticket"]["number"] for e in history if e["type"] == "ticket.issued"]
    assert len(issued) == len(set(issued)) == COMMANDS  # each command applied exactly once
    assert fanning > 0, "the kill came before the killed hub fanned anything out"
    for e in events:
        assert e.baseline is not None and e.extra_snapshots == 0
        expected = logged[logged.index(e.baseline) + 1 :] if e.baseline in logged else logged
        assert e.ids == expected  # every event once, in order, across the failover
    for s in on_b:
        assert s.connects >= 2, "a screen of the killed hub did not reconnect"
    for w in walls:
        assert not w.bad_first, w.bad_first[:1]
        assert w.full_views == w.connects  # the whole view on every (re)connect
        assert set(w.parts) >= w.expected
