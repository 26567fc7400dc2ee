"""A slow reader: a client that completes the websocket handshake on the director view and
then never reads. Its kernel buffers fill, then its outbox; the other clients must not
notice, and the hub should drop it (1013, counted in hall_slow_clients_closed_total)."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from tests.support.hubs import ADMIN, Hub
from tests.support.wait import eventually

from .clients import (
    DIRECTOR,
    ESTABLISHED,
    FILL,
    EventsScreen,
    Screen,
    ViewScreen,
    flood,
    metric,
    raw_websocket,
    server_send_queue,
    server_side,
    stop,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

# Presence toggles that fill the slow socket: a director update is ~5 KB, the hub's kernel
# send buffer grows to ~2.8 MB on loopback, and the outbox then holds 1,024 updates.
FLOOD = 1650
FOLLOWERS = 5
SAMPLES = 20


async def latencies(hub: Hub, followers: list[EventsScreen], n: int) -> list[float]:
    """From posting a command to each follower receiving its event, `n` commands in turn."""
    out: list[float] = []
    headers = {"authorization": f"Bearer {ADMIN}"}
    async with httpx.AsyncClient(base_url=hub.url, headers=headers, timeout=10) as c:
        for _ in range(n):
            sent = time.monotonic()
            r = await c.post("/api/halls/t/commands", json={"type": "ticket.issue", "service": "A"})
            assert r.status_code == 200, r.text
            event = r.json()["events"][-1]["id"]

            def arrived(event: str = event) -> bool:
                return all(event in f.received for f in followers)

            await eventually(arrived, 10, event, interval=0.001)
            out += [f.received[event] - sent for f in followers]
    return out


def test_a_slow_reader_does_not_raise_other_clients_latency(hub: Hub) -> None:
    asyncio.run(asyncio.wait_for(with_and_without(hub), 100))


async def with_and_without(hub: Hub) -> None:
    followers = [EventsScreen([hub.ws]) for _ in range(FOLLOWERS)]
    director = ViewScreen([hub.ws], "director", ADMIN, expected=frozenset({"counters"}))
    screens: list[Screen] = [*followers, director]
    tasks = [asyncio.create_task(s.run()) for s in screens]
    try:
        await eventually(lambda: all(s.synced_at for s in screens), 20, "followers")
        slow = await asyncio.to_thread(raw_websocket, hub.port, DIRECTOR)
        try:
            await flood(hub.url, FILL)
            queued = server_send_queue(hub.port, slow.getsockname()[1])
            with_slow = await latencies(hub, followers, SAMPLES)
            views = await metric(hub.url, "hall_websocket_clients", 'kind="view"')
            await flood(hub.url, FLOOD - FILL)  # and now past its outbox
        finally:
            slow.close()

        async def slow_gone() -> bool:
            return await metric(hub.url, "hall_websocket_clients", 'kind="view"') == 1

        await eventually(slow_gone, 10, "the slow reader's socket closed")
        without = await latencies(hub, followers, SAMPLES)
        healthy_frames = director.frames
        fresh = ViewScreen([hub.ws], "director", ADMIN, expected=director.expected)
        tasks.append(asyncio.create_task(fresh.run()))
        await eventually(lambda: fresh.synced_at, 10, "a fresh director view")
        behind = [k for k, v in fresh.parts.items() if director.parts.get(k) != v]
    finally:
        await stop(tasks)

    def line(xs: list[float]) -> str:
        q = statistics.quantiles(xs, n=20)
        return f"p50 {q[9] * 1000:.1f} ms, p90 {q[17] * 1000:.1f} ms, max {max(xs) * 1000:.1f} ms"

    print(
        f"\nslow reader: hub send queue towards it {queued} bytes, {views:.0f} view sockets "
        f"open; {FOLLOWERS} followers x {SAMPLES} commands: with it {line(with_slow)}; "
        f"without it {line(without)}; the healthy director got {healthy_frames} updates"
    )
    assert queued is not None and queued > 1_000_000, "the slow reader's buffers never filled"
    assert views == 2, "the slow reader was not connected while the latency was measured"
    assert not behind, f"a healthy screen on the same view missed updates of {behind}"
    # p50 and p90: one command delayed by a GC pause gives 5 of the 100 samples
    loaded, calm = statistics.quantiles(with_slow, n=20), statistics.quantiles(without, n=20)
    assert loaded[9] <= 2 * calm[9] + 0.010, "p50 with the slow reader"
    assert loaded[17] <= 3 * calm[17] + 0.050, "p90 with the slow reader"


def test_a_slow_reader_is_closed_with_1013_once_its_outbox_overflows(hub: Hub) -> None:
    """Before hall's own uvicorn protocol (hall.live.protocol), the overflow was looked at only
    after `await ws.send_text(...)` returned, which for a client that never reads is never:
    no 1013, nothing counted, and uvicorn's keepalive timeout called transport.close(), which
    waits for the unsent buffer forever, so the socket and ~3 MB of kernel buffer stayed."""
    asyncio.run(asyncio.wait_for(overflow(hub), 100))


async def overflow(hub: Hub) -> None:
    slow = await asyncio.to_thread(raw_websocket, hub.port, DIRECTOR)
    try:
        await flood(hub.url, FLOOD)  # a few hundred updates fill the buffers, 1,024 the outbox
        queued = server_send_queue(hub.port, slow.getsockname()[1]) or 0
        if queued < 1_000_000:
            pytest.skip(f"the kernel took all {FLOOD} updates ({queued} bytes queued)")

        async def dropped() -> bool:
            closed = await metric(hub.url, "hall_slow_clients_closed_total")
            views = await metric(hub.url, "hall_websocket_clients", 'kind="view"')
            return closed >= 1 and views == 0

        await eventually(dropped, 5, "the slow reader closed and counted", interval=0.2)
        # It cannot read the close either: the hub lets go of the connection after uvicorn's
        # close timeout (10 s). The kernel keeps the orphan (FIN-WAIT-1, its unsent bytes)
        # until its own orphan timeouts; the hub's file descriptor is free.
        port = slow.getsockname()[1]

        def let_go() -> bool:
            side = server_side(hub.port, port)
            return side is None or side[0] != ESTABLISHED

        gone = await eventually(let_go, 20, "the hub lets go of the connection", interval=0.5)
    finally:
        slow.close()
    print(f"\nslow reader: closed with 1013 and counted; its connection aborted {gone:.1f} s later")
