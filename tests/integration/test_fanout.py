"""The fan-out written straight to each caught-up socket's transport (`hall.live.protocol`):
the same frames as through ASGI, in order and gapless across reconnects, a socket that
falls behind still closed with 1013, and no socket left behind when clients leave.

Hubs run in this process (uvicorn in a thread) so a test can look at their sockets; one
with hall's protocol, one with uvicorn's own (the ASGI path, as on any other server)."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from websockets.frames import Close, Frame, Opcode
from websockets.sync.client import ClientConnection, connect

from hall.app import create_app
from hall.config import load_halls
from hall.live.fanout import Fanout
from hall.live.protocol import HallWebSocketProtocol
from hall.live.wire import text_frame
from hall.runtime import Runtime
from hall.settings import Secret, Settings
from hall.store.embedded import free_tcp_port
from tests.faults.clients import raw_websocket, sample
from tests.support.halls import hall_toml
from tests.support.hubs import ADMIN
from tests.support.wait import wait_for

T = TypeVar("T")
NOW = datetime.now(UTC)  # one fixed clock for every hub here: their renderings compare equal
EVENTS = f"/ws/halls/t/events?token={ADMIN}"
DIRECTOR = f"/ws/halls/t/view/director?token={ADMIN}"
WALL = "/ws/halls/t/view/wall"

pytestmark = pytest.mark.redis_kinds("single", "cluster")


@dataclass
class InProcessHub:
    port: int
    runtime: Runtime | None = None
    loop: asyncio.AbstractEventLoop | None = None
    writes: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws(self, path: str) -> ClientConnection:
        return connect(f"ws://127.0.0.1:{self.port}{path}", open_timeout=5)

    def on_loop(self, fn: Callable[[Runtime], T]) -> T:
        """Run `fn(runtime)` on the hub's event loop (its sockets are not thread-safe)."""
        assert self.loop is not None and self.runtime is not None
        runtime = self.runtime

        async def call() -> T:
            return fn(runtime)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(5)

    def metric(self, name: str, labels: str = "") -> float:
        return sample(httpx.get(self.url + "/metrics", timeout=5).text, name, labels)


@contextmanager
def in_process_hub(
    redis_url: str, config: Path, *, raw: bool, outbox_frames: int = 1024
) -> Iterator[InProcessHub]:
    hub = InProcessHub(free_tcp_port())

    async def remember(runtime: Runtime) -> None:
        hub.runtime, hub.loop = runtime, asyncio.get_running_loop()

    settings = Settings(
        config=config,
        redis_url=redis_url,
        admin_token=Secret(ADMIN),
        outbox_frames=outbox_frames,
        hub_name=f"test-fanout-{hub.port}",
        data_dir=config.parent / "var",  # its records, beside the test's hall file
    )
    app = create_app(settings, load_halls(config), clock=lambda: NOW, background=[remember])
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=hub.port,
            log_level="warning",
            interface="asgi3",
            ws=HallWebSocketProtocol if raw else "websockets-sansio",
            ws_per_message_deflate=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: httpx.get(hub.url + "/healthz", timeout=1).status_code == 200, 15)
        wait_for(lambda: hub.loop is not None, 5, "lifespan started")
        yield hub
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(hall_toml())
    return path


@pytest.fixture
def counted_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes of each frame written straight to a transport: by the fan-out (through the
    writer it was granted) or by a socket's task."""
    writes: list[int] = []
    write_, writer_ = HallWebSocketProtocol.hall_write, HallWebSocketProtocol.hall_writer

    def hall_write(self: HallWebSocketProtocol, data: bytes) -> None:
        writes.append(len(data))
        write_(self, data)

    def hall_writer(self: HallWebSocketProtocol) -> Callable[[bytes], object]:
        write = writer_(self)

        def counted(data: bytes) -> object:
            writes.append(len(data))
            return write(data)

        return counted

    monkeypatch.setattr(HallWebSocketProtocol, "hall_write", hall_write)
    monkeypatch.setattr(HallWebSocketProtocol, "hall_writer", hall_writer)
    return writes


def command(
    hub: InProcessHub, body: dict[str, Any], client: httpx.Client | None = None
) -> list[str]:
    with ExitStack() as stack:
        if client is None:
            client = stack.enter_context(httpx.Client(timeout=10))
        r = client.post(
            hub.url + "/api/halls/t/commands",
            json=body,
            headers={"authorization": f"Bearer {ADMIN}"},
        )
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["events"]]


def issue(hub: InProcessHub, n: int) -> list[str]:
    body = {"type": "ticket.issue", "service": "A"}
    with httpx.Client(timeout=10) as client:
        return [i for _ in range(n) for i in command(hub, body, client)]


def log(hub: InProcessHub, after: str) -> list[str]:
    """Every event id after `after`, from the log."""
    out: list[str] = []
    while True:
        r = httpx.get(
            hub.url + "/api/halls/t/events",
            params={"after": after, "limit": 1000},
            headers={"authorization": f"Bearer {ADMIN}"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        body = r.json()
        out += [e["id"] for e in body["events"]]
        if not body["events"]:
            return out
        after = body["last_id"]


def key(event_id: str) -> tuple[int, int]:
    ms, seq = event_id.split("-")
    return int(ms), int(seq)


# ------------------------------------------------------------------ frames on the wire


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_frame_is_the_bytes_websockets_would_send(size: int) -> None:
    payload = ("窗口" * size).encode()[:size]
    assert text_frame(payload) == Frame(Opcode.TEXT, payload).serialize(mask=False)


def test_the_transport_path_sends_what_asgi_sends(
    redis_url: str, config: Path, counted_writes: list[int]
) -> None:
    """The same commands seen by a hub writing to transports and one sending through ASGI:
    the same texts, message for message, on the events socket and on a view."""
    with (
        in_process_hub(redis_url, config, raw=True) as direct,
        in_process_hub(redis_url, config, raw=False) as asgi,
    ):
        command(direct, {"type": "presence.set", "window": 1, "post": "A", "state": "present"})
        with ExitStack() as stack:
            sockets = {
                name: (stack.enter_context(hub.ws(EVENTS)), stack.enter_context(hub.ws(DIRECTOR)))
                for name, hub in (("d", direct), ("a", asgi))
            }
            got: dict[str, tuple[list[str], list[str]]] = {"d": ([], []), "a": ([], [])}
            for name, (events, view) in sockets.items():
                got[name][0].append(str(events.recv(timeout=5)))  # the snapshot
                got[name][1].append(str(view.recv(timeout=5)))  # the whole view
            cycle: list[dict[str, Any]] = [
                {"type": "ticket.issue", "service": "A"},
                {"type": "ticket.issue", "service": "A"},
                {"type": "ticket.call", "window": 1},
                {"type": "ticket.finish", "window": 1},
            ]
            for body in cycle * 3:
                (event_id,) = command(direct, body)
                for name, (events, view) in sockets.items():
                    text = str(events.recv(timeout=5))
                    assert json.loads(text)["id"] == event_id
                    got[name][0].append(text)
                    got[name][1].append(str(view.recv(timeout=5)))  # the changed fragments
        assert got["d"] == got["a"]
        assert len(counted_writes) >= 2 * 12  # live frames went straight to the transport


# ------------------------------------------------------------------ the fan-out yields


@pytest.mark.anyio
async def test_the_fan_out_yields_between_slices_and_keeps_each_sockets_order() -> None:
    """1,000 sockets: other tasks (a command's answer) run between slices of 100, and what is
    pushed meanwhile (by the tail or at once by `run_now`) reaches each socket after."""
    fanout = Fanout(100)
    got: dict[int, list[str]] = {i: [] for i in range(1000)}
    trace: list[str] = []

    def delivery(name: str) -> Callable[[list[int]], None]:
        def deliver(sockets: list[int]) -> None:
            trace.append(f"{name}:{len(sockets)}")
            for i in sockets:
                got[i].append(name)

        return deliver

    async def meanwhile() -> None:  # starts once the run yields
        trace.append("command")
        fanout.push(range(1000), delivery("second"))
        fanout.run_now()  # a run is suspended: it delivers this one, after the first

    fanout.push(range(1000), delivery("first"))
    await asyncio.gather(fanout.run(), meanwhile())
    assert trace[:3] == ["first:100", "command", "first:100"]
    assert trace.count("first:100") == trace.count("second:100") == 10
    assert all(names == ["first", "second"] for names in got.values())
    assert not len(fanout)


# ------------------------------------------------------------------ order and gapless resume


def test_direct_writes_keep_order_and_ids_gapless_across_a_reconnect(
    redis_url: str, config: Path, counted_writes: list[int]
) -> None:
    with in_process_hub(redis_url, config, raw=True) as hub:
        with hub.ws(EVENTS) as ws:
            start = json.loads(ws.recv(timeout=5))["last_event_id"]
            with ThreadPoolExecutor(4) as pool:  # concurrent commands: batches of events
                list(pool.map(lambda _: issue(hub, 10), range(4)))
            first = [json.loads(ws.recv(timeout=5))["id"] for _ in range(40)]
        assert first == log(hub, start)  # in log order, once each
        assert counted_writes, "nothing was written straight to the transport"

        missed = issue(hub, 20)  # while away
        done = threading.Event()
        later: list[str] = []

        def writer() -> None:
            later.extend(issue(hub, 30))
            done.set()

        thread = threading.Thread(target=writer)
        thread.start()  # events keep coming while the socket reads its backlog
        with hub.ws(f"{EVENTS}&after={first[-1]}") as ws:
            thread.join(30)
            assert done.is_set()
            resumed = [json.loads(ws.recv(timeout=5))["id"] for _ in range(50)]
            with pytest.raises(TimeoutError):
                ws.recv(timeout=0.3)  # and nothing twice
        assert resumed == missed + later == log(hub, first[-1])


# ------------------------------------------------------------------ a socket that falls behind


def read_frames(sock: socket.socket) -> tuple[list[str], int | None]:
    """Text messages until a close frame (its code) or the end of the connection (None)."""

    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    texts: list[str] = []
    try:
        while True:
            b0, b1 = exactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(exactly(2), "big")
            elif n == 127:
                n = int.from_bytes(exactly(8), "big")
            payload = exactly(n)
            if b0 & 0x0F == Opcode.CLOSE.value:
                return texts, Close.parse(payload).code
            if b0 & 0x0F == Opcode.TEXT.value:
                texts.append(payload.decode())
    except EOFError:
        return texts, None


def test_a_slow_socket_is_closed_with_1013_and_resumes_without_a_gap(
    redis_url: str, config: Path
) -> None:
    with in_process_hub(redis_url, config, raw=True, outbox_frames=8) as hub:
        closed_before = hub.metric("hall_slow_clients_closed_total")
        sock = raw_websocket(hub.port, EVENTS)
        sock.settimeout(10)
        try:

            def shrink(runtime: Runtime) -> bool:
                """The hub's buffers towards it kept small: they fill after ~50 events."""
                (box,) = runtime.live.feeds["t"].subscribers
                assert box.raw is not None
                transport: Any = box.raw.transport  # type: ignore[attr-defined]
                transport.get_extra_info("socket").setsockopt(
                    socket.SOL_SOCKET, socket.SO_SNDBUF, 4096
                )
                transport.set_write_buffer_limits(high=4096)
                return True

            wait_for(lambda: "t" in hub.runtime.live.feeds if hub.runtime else False, 5)
            wait_for(lambda: hub.on_loop(lambda s: len(s.live.feeds["t"].subscribers)) == 1, 5)
            hub.on_loop(shrink)
            for _ in range(100):  # the socket reads nothing meanwhile
                issue(hub, 10)
                if hub.metric("hall_slow_clients_closed_total") > closed_before:
                    break
            else:
                raise AssertionError("the socket was never closed for falling behind")
            wait_for(lambda: hub.metric("hall_websocket_clients", 'kind="events"') == 0, 5)
            texts, code = read_frames(sock)  # now it reads what reached it
        finally:
            sock.close()
        assert code == 1013
        snapshot, *events = (json.loads(t) for t in texts)
        seen = [e["id"] for e in events]
        assert seen == log(hub, snapshot["last_event_id"])[: len(seen)]  # in order, no gap
        assert len(seen) < len(log(hub, snapshot["last_event_id"]))  # some never reached it
        with hub.ws(f"{EVENTS}&after={seen[-1]}") as ws:  # the client resumes
            rest = log(hub, seen[-1])
            assert [json.loads(ws.recv(timeout=5))["id"] for _ in rest] == rest


# ------------------------------------------------------------------ clients leaving


def test_clients_that_leave_are_removed(redis_url: str, config: Path) -> None:
    """Closed politely or dropped, with nothing being sent to them: the hub notices at once,
    and no outbox stays in a feed or a channel."""
    with in_process_hub(redis_url, config, raw=True) as hub:
        kinds = ('kind="events"', 'kind="view"')
        before = {k: hub.metric("hall_websocket_clients", k) for k in kinds}
        with ExitStack() as stack:
            clients = [
                stack.enter_context(hub.ws(path))
                for path in (EVENTS, DIRECTOR, WALL)
                for _ in range(6)
            ]
            for ws in clients:
                ws.recv(timeout=5)  # snapshot or whole view: each is live
            assert hub.metric("hall_websocket_clients", kinds[0]) == before[kinds[0]] + 6
            assert hub.metric("hall_websocket_clients", kinds[1]) == before[kinds[1]] + 12

            def left(hub: Runtime) -> tuple[int, int, int]:
                feed = hub.live.feeds["t"]
                channels = sum(len(c.sockets) for c in hub.channels.channels.values())
                return len(feed.subscribers), channels, len(hub.channels.channels)

            assert hub.on_loop(left) == (6, 12, 2)
            for i, ws in enumerate(clients):
                if i % 2:
                    ws.close()  # a close frame
                else:
                    ws.socket.shutdown(socket.SHUT_RDWR)  # the connection just ends
            wait_for(lambda: hub.on_loop(left) == (0, 0, 0), 3, "sockets removed")
            for k in kinds:
                wait_for(lambda k=k: hub.metric("hall_websocket_clients", k) == before[k], 3, k)


def test_a_sockets_uvicorn_state_sits_in_slots_not_a_dict(redis_url: str, config: Path) -> None:
    """hall's protocol declares uvicorn's attributes as slots (1.5 KB a socket less than its
    instance dict). An attribute a newer uvicorn adds would land in a dict again: named here."""
    with in_process_hub(redis_url, config, raw=True) as hub, hub.ws(WALL) as ws:
        ws.recv(timeout=5)

        def dicts(_: Runtime) -> list[dict[str, Any]]:
            found = [o for o in gc.get_objects() if type(o) is HallWebSocketProtocol]
            assert found, "no socket on hall's protocol"
            return [vars(p) for p in found]

        assert [d for d in hub.on_loop(dicts) if d] == []
