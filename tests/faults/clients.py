"""Asyncio clients for the fault tests: screens that reconnect like the real ones, a publisher
that retries by command id, the hall's log and metrics, and a socket that stops reading.

- `EventsScreen` follows `/ws/halls/t/events`: a snapshot first, then events; after a drop
  it reconnects (to the next hub in its list) with `?after=` the last id it saw, as an
  integration is told to (or without it, for a fresh snapshot, when `resume` is False).
- `ViewScreen` follows a view socket: on every connect the first frame must be the full
  view; later frames change it as htmx's out-of-band swaps do (`tests.support.dom`).
- `Publisher` posts commands with client ids and retries a failed or unanswered one on the
  next hub with the same id, so each command is applied exactly once and acknowledged.

All of them use the `websockets` asyncio client without compression and `httpx.AsyncClient`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.support.dom import Page
from tests.support.hubs import ADMIN

# A screen's websocket as these clients open it: no deflate, no pings of their own, any size.
CLIENT: dict[str, Any] = {
    "compression": None,
    "open_timeout": 10,
    "ping_interval": None,
    "max_size": None,
}

HALL = "t"
WALL_PARTS = frozenset(
    {"clock-hours", "window-1", "window-2", "window-3", "calling", "recent-calls"}
    | {"serving-1", "serving-2", "serving-3", "wait-1", "wait-2", "wait-3"}
    | {"count-waiting", "count-staffed"}
)
# What a client sees while a hub is down or restarting.
CONNECT_ERRORS = (OSError, TimeoutError, InvalidHandshake, ConnectionClosed, EOFError)


class Backoff:
    """Jittered exponential backoff, as a screen's reconnect loop would use."""

    def __init__(self, first: float = 0.05, cap: float = 1.0) -> None:
        self.first, self.cap, self.next = first, cap, first

    async def wait(self) -> None:
        await asyncio.sleep(random.uniform(self.next / 2, self.next))
        self.next = min(self.cap, self.next * 2)

    def reset(self) -> None:
        self.next = self.first


@dataclass
class EventsScreen:
    """An integration following the event stream across hub failures."""

    urls: Sequence[str]  # ws://host:port of the hubs, the first one preferred
    resume: bool = True
    token: str = ADMIN
    baseline: str | None = None  # last_event_id of the first snapshot
    ids: list[str] = field(default_factory=list)
    received: dict[str, float] = field(default_factory=dict)  # id -> monotonic receipt time
    extra_snapshots: int = 0  # snapshots after the first (a resume that could not resume)
    connects: int = 0
    synced_at: list[float] = field(default_factory=list)  # monotonic, per connection
    closes: list[int | None] = field(default_factory=list)

    @property
    def last(self) -> str | None:
        return self.ids[-1] if self.ids else self.baseline

    async def run(self) -> None:
        backoff = Backoff()
        hub = 0
        while True:
            url = f"{self.urls[hub % len(self.urls)]}/ws/halls/{HALL}/events?token={self.token}"
            resuming = self.resume and self.last is not None
            if resuming:
                url += f"&after={self.last}"
            try:
                async with connect(url, **CLIENT) as ws:
                    self.connects += 1
                    backoff.reset()
                    if resuming:  # nothing may come when nothing was missed: resynced now
                        self.synced_at.append(time.monotonic())
                    async for text in ws:
                        self._take(json.loads(text))
                    self.closes.append(ws.close_code)
            except ConnectionClosed as e:
                self.closes.append(e.rcvd.code if e.rcvd else None)
            except CONNECT_ERRORS:
                pass
            hub += 1  # fail over to the next hub
            await backoff.wait()

    def _take(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "snapshot":
            self.synced_at.append(time.monotonic())
            if self.baseline is None:
                self.baseline = frame["last_event_id"]
            elif self.resume:
                self.extra_snapshots += 1
            return
        self.ids.append(frame["id"])
        self.received[frame["id"]] = time.monotonic()


@dataclass
class ViewScreen:
    """A lobby screen on a view socket across hub failures."""

    urls: Sequence[str]
    view: str = "wall"
    token: str | None = None
    expected: frozenset[str] = WALL_PARTS
    page: Page | None = None  # what the screen shows
    connects: int = 0
    full_views: int = 0  # connections whose first frame was the whole view
    bad_first: list[str] = field(default_factory=list)
    synced_at: list[float] = field(default_factory=list)
    frames: int = 0

    @property
    def parts(self) -> dict[str, str]:
        """What the screen shows, by fragment id."""
        return self.page.parts() if self.page is not None else {}

    async def run(self) -> None:
        backoff = Backoff()
        hub = 0
        while True:
            url = f"{self.urls[hub % len(self.urls)]}/ws/halls/{HALL}/view/{self.view}"
            if self.token:
                url += f"?token={self.token}"
            try:
                async with connect(url, **CLIENT) as ws:
                    self.connects += 1
                    backoff.reset()
                    page = Page(str(await ws.recv()))
                    self.synced_at.append(time.monotonic())
                    if self.expected <= set(page.ids()):
                        self.full_views += 1
                    else:
                        self.bad_first.append(",".join(page.ids()))
                    self.page = page
                    async for text in ws:
                        self.frames += 1
                        page.apply(str(text))
            except CONNECT_ERRORS:
                pass
            hub += 1
            await backoff.wait()


Screen = EventsScreen | ViewScreen


@dataclass
class Publisher:
    """Commands with client ids, spread over hubs; a failure is retried on the next hub with
    the same id until acknowledged (the outcome of an unanswered request is unknown)."""

    urls: Sequence[str]  # http://host:port
    acked: dict[str, list[str]] = field(default_factory=dict)  # command id -> event ids
    failures: dict[str, int] = field(default_factory=dict)  # what went wrong, how often
    latencies: list[float] = field(default_factory=list)

    async def run(
        self,
        commands: Sequence[tuple[str, dict[str, Any]]],
        concurrency: int = 8,
        deadline: float = 60.0,
    ) -> None:
        queue = iter(enumerate(commands))
        limits = httpx.Limits(max_connections=concurrency * 2)
        headers = {"authorization": f"Bearer {ADMIN}"}
        async with httpx.AsyncClient(headers=headers, timeout=5, limits=limits) as client:

            async def worker() -> None:
                for i, (cid, body) in queue:
                    await self.send(client, i, cid, body, time.monotonic() + deadline)

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def send(
        self, client: httpx.AsyncClient, i: int, cid: str, body: dict[str, Any], until: float
    ) -> None:
        hub = i
        while time.monotonic() < until:
            url = f"{self.urls[hub % len(self.urls)]}/api/halls/{HALL}/commands"
            started = time.monotonic()
            try:
                r = await client.post(url, json={"id": cid, **body})
            except httpx.HTTPError as e:
                self._failed(type(e).__name__)
            else:
                if r.status_code == 200:
                    self.latencies.append(time.monotonic() - started)
                    self.acked[cid] = [e["id"] for e in r.json()["events"]]
                    return
                self._failed(f"{r.status_code} {r.json().get('error')}")
                if r.status_code < 500:
                    return  # refused by a rule: nothing to retry
            hub += 1
            await asyncio.sleep(random.uniform(0.05, 0.15))
        raise AssertionError(f"command {cid} not acknowledged in time: {self.failures}")

    def _failed(self, what: str) -> None:
        self.failures[what] = self.failures.get(what, 0) + 1


def issues(n: int, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{prefix}-{i}", {"type": "ticket.issue", "service": "AB"[i % 2]}) for i in range(n)]


async def log_ids(base_url: str, after: str | None = None) -> list[str]:
    """Every event id the hall's log holds after `after`, in order."""
    return [e["id"] for e in await log_events(base_url, after)]


async def log_events(base_url: str, after: str | None = None) -> list[dict[str, Any]]:
    """Every event the hall's log holds after `after`, in order."""
    out: list[dict[str, Any]] = []
    headers = {"authorization": f"Bearer {ADMIN}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as c:
        while True:
            params: dict[str, Any] = {"limit": 1000}
            if after:
                params["after"] = after
            page = (await c.get(f"/api/halls/{HALL}/events", params=params)).json()
            out += page["events"]
            if not page["events"]:
                return out
            after = page["last_id"]


def sample(text: str, name: str, labels: str = "") -> float:
    """One sample of a /metrics page, e.g. sample(text, "hall_websocket_clients",
    'kind="view"'); 0 when absent."""
    wanted = f"{name}{{{labels}}}" if labels else name
    for line in text.splitlines():
        found, _, value = line.rpartition(" ")
        if found == wanted:
            return float(value)
    return 0.0


async def metric(base_url: str, name: str, labels: str = "") -> float:
    """One sample of the hub's /metrics (see `sample`)."""
    async with httpx.AsyncClient(timeout=5) as c:
        text = (await c.get(f"{base_url}/metrics")).text
    return sample(text, name, labels)


async def healthy(base_url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as c:
            return (await c.get(f"{base_url}/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def stop(tasks: Sequence[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [r for r in results if not isinstance(r, asyncio.CancelledError | type(None))]
    assert not errors, errors[:3]


def raw_websocket(port: int, path: str, rcvbuf: int = 4096) -> socket.socket:
    """A client that completes the websocket handshake, then never reads again (its
    receive buffer kept small, so the hub's side fills up first)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        byte = sock.recv(1)  # one byte at a time: nothing past the handshake is consumed
        if not byte:
            sock.close()
            raise AssertionError(f"handshake refused: {head!r}")
        head += byte
    if not head.startswith(b"HTTP/1.1 101"):
        sock.close()
        raise AssertionError(f"handshake refused: {head!r}")
    return sock


# -- a client that stops reading -----------------------------------------------------------

DIRECTOR = f"/ws/halls/{HALL}/view/director?token={ADMIN}"
FILL = 500  # director updates that fill a non-reading socket's kernel buffers, not its outbox
ESTABLISHED = 1  # the TCP state in /proc/net/tcp


def server_side(server_port: int, client_port: int) -> tuple[int, int] | None:
    """(TCP state, bytes queued) of the hub's end of the connection to `client_port`, from
    /proc/net/tcp (IPv4 loopback); None once the kernel has forgotten it."""
    with open("/proc/net/tcp") as table:
        for line in table:
            f = line.split()
            if f[1].endswith(f":{server_port:04X}") and f[2].endswith(f":{client_port:04X}"):
                return int(f[3], 16), int(f[4].split(":")[0], 16)
    return None


def server_send_queue(server_port: int, client_port: int) -> int | None:
    """Bytes queued in the hub's kernel send buffer towards `client_port`."""
    side = server_side(server_port, client_port)
    return side[1] if side else None


ESTABLISHED = 1


async def flood(base_url: str, toggles: int) -> None:
    """A-posts of windows 1-3 going away and coming back: one director update each."""
    headers = {"authorization": f"Bearer {ADMIN}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as c:

        async def window(n: int) -> None:
            for i in range(toggles // 3):
                body: dict[str, Any] = {"type": "presence.set", "window": n, "post": "A"}
                body |= {"state": "away", "reason": "break"} if i % 2 == 0 else {"state": "present"}
                r = await c.post("/api/halls/t/commands", json=body)
                assert r.status_code == 200, r.text

        await asyncio.gather(*(window(n) for n in (1, 2, 3)))
