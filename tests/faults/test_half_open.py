"""Half-open connections: a client process that stops answering (SIGSTOP: its sockets stay
open, its kernel still ACKs, but nothing answers a ping) is dropped by the hub's ping
timeout (HALL_WS_PING seconds of interval, the same again of timeout); and so is one that
stopped answering with its buffers full (the close frame cannot reach it either)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.hubs import ADMIN, Hub, hubs
from tests.support.wait import eventually, wait_for

from .clients import (
    DIRECTOR,
    ESTABLISHED,
    FILL,
    flood,
    metric,
    raw_websocket,
    server_side,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(60),
    pytest.mark.redis_kinds("single", "cluster"),
]

# Connects an events socket and a wall view socket, reads the first frame of each, then
# never reads again (the library would still answer pings, until the process is stopped).
CLIENT = """
import asyncio, sys
from websockets.asyncio.client import connect

async def main():
    options = dict(compression=None, ping_interval=None, open_timeout=10)
    async with connect(sys.argv[1], **options) as events, connect(sys.argv[2], **options) as view:
        await events.recv()
        await view.recv()
        print("ready", flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


def clients(url: str) -> tuple[float, float]:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    found = {"events": 0.0, "view": 0.0}
    for kind in found:
        for line in text.splitlines():
            if line.startswith(f'hall_websocket_clients{{kind="{kind}"}} '):
                found[kind] = float(line.rpartition(" ")[2])
    return found["events"], found["view"]


def test_a_stopped_client_is_dropped_by_the_ping_timeout(redis_url: str, tmp_path: Path) -> None:
    with hubs(redis_url, tmp_path, 1, HALL_WS_PING="1") as (hub,):
        argv = [sys.executable, "-c", CLIENT]
        argv += [f"{hub.ws}/ws/halls/t/events?token={ADMIN}", f"{hub.ws}/ws/halls/t/view/wall"]
        client = subprocess.Popen(argv, stdout=subprocess.PIPE)
        try:
            assert client.stdout is not None
            assert client.stdout.readline().strip() == b"ready"
            assert clients(hub.url) == (1, 1)
            time.sleep(3)  # three ping rounds: a live client that does not read still answers
            assert clients(hub.url) == (1, 1)
            client.send_signal(signal.SIGSTOP)
            stopped = time.monotonic()
            wait_for(lambda: clients(hub.url) == (0, 0), 8, "both sockets dropped")
            took = time.monotonic() - stopped
        finally:
            client.kill()  # SIGKILL ends a stopped process too
            client.wait(10)
            if client.stdout is not None:
                client.stdout.close()
    print(f"\nhalf-open: both sockets of the stopped client dropped {took:.1f} s after SIGSTOP")
    assert took < 6


def test_a_client_that_stopped_with_full_buffers_is_dropped_too(
    redis_url: str, tmp_path: Path
) -> None:
    with hubs(redis_url, tmp_path, 1, HALL_WS_PING="2") as (hub,):
        asyncio.run(asyncio.wait_for(full_and_silent(hub), 60))


async def full_and_silent(hub: Hub) -> None:
    slow = await asyncio.to_thread(raw_websocket, hub.port, DIRECTOR)  # never reads, no pongs
    try:
        port = slow.getsockname()[1]
        await flood(hub.url, FILL)  # ~3 s: the buffers are full before the ping times out
        side = server_side(hub.port, port)
        if side is None or side[1] < 1_000_000:
            pytest.skip(f"the kernel took all {FILL} updates ({side})")

        async def let_go() -> bool:
            now = server_side(hub.port, port)
            views = await metric(hub.url, "hall_websocket_clients", 'kind="view"')
            return (now is None or now[0] != ESTABLISHED) and views == 0

        # ping at 2 s, no pong by 4 s, then uvicorn's close timeout (10 s) at the most
        await eventually(let_go, 20, "the silent, full client dropped", interval=0.5)
    finally:
        slow.close()
