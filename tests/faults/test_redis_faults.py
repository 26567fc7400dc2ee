"""Redis faults seen from the fan-out side: a SIGKILL (a crash, not a clean stop) with a
restart from the AOF, and a pause longer than the clients' socket timeout.

tests/integration/test_faults.py covers the command side (a clean stop and restart from the
AOF, a 7 s pause answered with quick 503s); tests/integration/test_data_loss.py covers Redis
restarted empty."""

from __future__ import annotations

import asyncio
import time

import pytest

from hall.store.embedded import EmbeddedRedis
from tests.support.hubs import Hub
from tests.support.wait import eventually

from .clients import (
    EventsScreen,
    Publisher,
    Screen,
    ViewScreen,
    healthy,
    issues,
    log_events,
    stop,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

RECOVERY = 10.0  # seconds from Redis being back to every hub answering /healthz 200


def check_exactly_once(publisher: Publisher, logged: list[dict[str, object]], n: int) -> None:
    ids = [str(e["id"]) for e in logged]
    assert len(ids) == len(set(ids))
    assert len(publisher.acked) == n
    acked = [i for got in publisher.acked.values() for i in got]
    assert len(acked) == len(set(acked)) >= n
    assert set(acked) <= set(ids), "an acknowledged event is missing from the log"
    issued = [e for e in logged if e["type"] == "ticket.issued"]
    numbers = [e["ticket"]["number"] for e in issued]  # type: ignore[index]
    assert len(issued) == n and len(set(numbers)) == n  # each command applied once


def check_screens(events: list[EventsScreen], logged: list[dict[str, object]]) -> None:
    ids = [str(e["id"]) for e in logged]
    for s in events:
        assert s.baseline is not None and s.extra_snapshots == 0
        expected = ids[ids.index(s.baseline) + 1 :] if s.baseline in ids else ids
        assert s.ids == expected  # no gap, no duplicate, in order


def test_redis_sigkilled_and_restarted_from_its_aof(
    redis_server: EmbeddedRedis, two_hubs: list[Hub]
) -> None:
    asyncio.run(asyncio.wait_for(redis_crash(redis_server, *two_hubs), 100))


async def redis_crash(redis: EmbeddedRedis, a: Hub, b: Hub) -> None:
    n = 300
    events = [EventsScreen([h.ws, o.ws]) for h, o in ((a, b), (b, a)) for _ in range(4)]
    walls = [ViewScreen([a.ws, b.ws]), ViewScreen([b.ws, a.ws])]
    screens: list[Screen] = [*events, *walls]
    tasks = [asyncio.create_task(s.run()) for s in screens]
    try:
        await eventually(lambda: all(s.synced_at for s in screens), 20, "screens up")
        publisher = Publisher([a.url, b.url])
        publishing = asyncio.create_task(publisher.run(issues(n, "crash"), concurrency=4))
        await eventually(lambda: len(publisher.acked) >= 80, 30, "80 acknowledged")
        before = set(publisher.acked)
        await asyncio.to_thread(redis.kill)  # SIGKILL: no shutdown, no final fsync
        await asyncio.sleep(1)  # the outage itself
        await asyncio.to_thread(redis.start)  # the same data dir: the AOF is replayed
        back = time.monotonic()
        recovered = await eventually(
            lambda: all_healthy(a, b), RECOVERY, "both hubs healthy again", interval=0.1
        )
        await publishing
        logged = await log_events(a.url)
        final = str(logged[-1]["id"])
        await eventually(lambda: all(s.last == final for s in events), 20, "screens at the end")
    finally:
        await stop(tasks)
    print(
        f"\nredis SIGKILL: {len(before)} acknowledged before the crash, {n} in all; hubs "
        f"healthy {recovered:.1f} s after Redis was back; publisher saw {publisher.failures}; "
        f"{time.monotonic() - back:.1f} s from Redis back to the screens complete"
    )
    assert recovered < RECOVERY
    assert publisher.failures, "the crash went unnoticed: was Redis really killed?"
    check_exactly_once(publisher, logged, n)
    check_screens(events, logged)
    assert all(not w.bad_first for w in walls)


async def all_healthy(*hubs: Hub) -> bool:
    return all(await asyncio.gather(*(healthy(h.url) for h in hubs)))


def test_redis_paused_past_the_socket_timeout_keeps_the_fanout_gapless(
    redis_server: EmbeddedRedis, hub: Hub
) -> None:
    asyncio.run(asyncio.wait_for(redis_pause(redis_server, hub), 100))


async def redis_pause(redis: EmbeddedRedis, hub: Hub) -> None:
    n = 150
    events = [EventsScreen([hub.ws]) for _ in range(3)]
    wall = ViewScreen([hub.ws])
    screens: list[Screen] = [*events, wall]
    tasks = [asyncio.create_task(s.run()) for s in screens]
    try:
        await eventually(lambda: all(s.synced_at for s in screens), 20, "screens up")
        publisher = Publisher([hub.url])
        publishing = asyncio.create_task(publisher.run(issues(n, "pause"), concurrency=2))
        await eventually(lambda: len(publisher.acked) >= 40, 30, "40 acknowledged")
        redis.pause()  # SIGSTOP: sockets stay open, nothing answers
        try:
            await asyncio.sleep(7)  # the fault lasts 7 s (command socket timeout: 2 s)
        finally:
            redis.resume()
        resumed = time.monotonic()
        recovered = await eventually(lambda: healthy(hub.url), 15, "hub healthy", interval=0.1)
        await publishing
        logged = await log_events(hub.url)
        final = str(logged[-1]["id"])
        caught_up = await eventually(lambda: all(s.last == final for s in events), 20, "screens")
    finally:
        await stop(tasks)
    print(
        f"\nredis paused 7 s: hub healthy {recovered:.1f} s after the resume, screens complete "
        f"{time.monotonic() - resumed:.1f} s after it ({caught_up:.2f} s after the last "
        f"command); publisher saw {publisher.failures}; screen connects "
        f"{[s.connects for s in events]}, wall connects {wall.connects}"
    )
    assert publisher.failures, "the pause went unnoticed"
    check_exactly_once(publisher, logged, n)
    check_screens(events, logged)
    assert all(s.connects == 1 for s in events), "an events socket was dropped by the pause"
    assert wall.connects == 1 and not wall.bad_first
