"""uvicorn's websockets-sansio protocol, opened up for the fan-out (`uvicorn.run(ws=...)`).

It puts itself in each socket's ASGI scope (`scope["extensions"]["hall.raw"]`, see
`hall.live.wire.RawSocket`), so that:

- the fan-out can write a frame built once per event straight to the transport of every
  socket that is caught up (about 1 µs of Python instead of a trip through Starlette's and
  uvicorn's `send`, websockets' framing and an `asyncio.Event` per socket);
- one task per socket is enough: the protocol calls the socket's listener when a message,
  a close or a disconnect arrives and when the transport takes data again, so the sender
  notices the client leaving without a second task blocked in `receive()`;
- a socket that overflowed its outbox can be closed with 1013 while its transport is
  paused (uvicorn's `send` would wait for the client to read first, forever if it never
  does), and is aborted if it does not answer the close in time; so is one that missed
  its keepalive pong (uvicorn's close would wait for a full buffer to drain, forever).

It also swaps the per-socket `asyncio.Queue` and `asyncio.Event` (five deques, ~3.5 KB)
for a list and a flag. Everything else is uvicorn's. Servers without this protocol (tests
on another server, `hall demo`) work as before: the app falls back to ASGI sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.http11 import Request
from websockets.protocol import Protocol
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

from hall.live.wire import RAW


class _Incoming:
    """The ASGI receive events uvicorn queues for the app (what it uses of asyncio.Queue:
    put_nowait, get, empty), telling the socket's listener of each one."""

    __slots__ = ("_items", "_waiter", "listener")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None
        self.listener: Callable[[], None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self.listener is not None:
            self.listener()

    async def get(self) -> Any:
        while not self._items:
            if self._waiter is None or self._waiter.done():
                self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class _Flag:
    """`asyncio.Event` as uvicorn uses it for writability (set, clear, is_set, wait), with
    no deque of waiters until someone waits."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        await waiter
        return True


def parse_forgetting_the_request(conn: ServerProtocol) -> Generator[None]:
    """websockets' parser, less the handshake request: `ServerProtocol.parse` parses it into
    a local and then parses frames in the same generator, holding the request (its headers,
    ~2 KB) for the socket's life. Here a fresh `Protocol.parse` takes over the frames once
    the request is queued (nothing read is lost: the reader's buffer is the connection's)."""
    if (yield from _handshake(conn)):
        yield from Protocol.parse(conn)


def _handshake(conn: ServerProtocol) -> Generator[None, None, bool]:
    """Run `ServerProtocol.parse` until the request is queued and it waits at a frame
    boundary (True), or to its end (False: a refused handshake)."""
    parser = ServerProtocol.parse(conn)
    for _ in parser:
        frames = getattr(parser, "gi_yieldfrom", None)  # Protocol.parse, after the request
        if (
            conn.events
            and getattr(getattr(frames, "gi_yieldfrom", None), "gi_code", None) is _AT_EOF
        ):
            parser.close()
            return True
        yield
    return False


_AT_EOF = StreamReader.at_eof.__code__


class HallWebSocketProtocol(WebSocketsSansIOProtocol):
    # uvicorn's protocol keeps ~40 attributes in an instance dict, past the 30 keys a dict
    # shares with its class: 1.5 KB a socket. Slots hold them in 0.3 KB. (An attribute a
    # later uvicorn adds lands in the dict again; tests/integration/test_fanout.py says so.)
    __slots__ = (
        "_incoming",
        "app",
        "app_state",
        "asgi_version",
        "client",
        "close_sent",
        "close_timeout",
        "close_timer",
        "config",
        "conn",
        "connections",
        "curr_msg_data_type",
        "default_headers",
        "disconnected",
        "frames",
        "handshake_complete",
        "handshake_initiated",
        "initial_response",
        "last_ping_rtt",
        "logger",
        "loop",
        "pending_ping_payload",
        "ping_interval",
        "ping_sent_at",
        "ping_timeout",
        "ping_timer",
        "pong_timer",
        "queue",
        "read_paused",
        "request",
        "response",
        "root_path",
        "scheme",
        "scope",
        "server",
        "tasks",
        "transport",
        "writable",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn.parser = parse_forgetting_the_request(self.conn)
        next(self.conn.parser)
        self._incoming = _Incoming()
        self.queue = self._incoming  # type: ignore[assignment]
        self.writable = _Flag()  # type: ignore[assignment]

    # ---- RawSocket (hall.live.wire)

    @property
    def hall_listener(self) -> Callable[[], None] | None:
        return self._incoming.listener

    @hall_listener.setter
    def hall_listener(self, listener: Callable[[], None] | None) -> None:
        self._incoming.listener = listener

    def hall_pending(self) -> int:
        return self._incoming.qsize()

    def hall_writable(self) -> bool:
        return (
            self.writable.is_set()
            and not self.close_sent
            and not self.disconnected
            and not self.transport.is_closing()
        )

    def hall_write(self, data: bytes) -> None:
        self.transport.write(data)

    def hall_writer(self) -> Callable[[bytes], object]:
        return self.transport.write

    def hall_close(self, code: int, reason: str) -> None:
        if self.disconnected:
            return
        if not self.close_sent and not self.transport.is_closing():
            try:
                self.conn.send_close(code, reason)
            except InvalidState:  # the client's close crossed ours: it is being answered
                pass
            else:
                self.transport.write(b"".join(self.conn.data_to_send()))
                self.close_sent = True
                self.queue.put_nowait({"type": "websocket.disconnect", "code": code})
                if self.read_paused:
                    self.read_paused = False
                    self.transport.resume_reading()
        self._abort_later()

    def _abort_later(self) -> None:
        """The client answers a close once it has read everything before it; one that does
        not read is aborted after the close timeout (transport.close() would wait for its
        full buffer forever)."""
        if self.close_timer is not None:
            self.close_timer.cancel()
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.abort)

    # ---- uvicorn's protocol

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)  # absent when the handshake was refused
        if scope is not None:
            scope["extensions"][RAW] = self

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # uvicorn keeps the handshake's request and response (headers and all, ~3 KB)
            # for the socket's life; nothing reads them once the handshake is answered.
            self.request = self.response = None  # type: ignore[assignment]

    def keepalive_timeout(self) -> None:
        """No pong in time: uvicorn sends 1011 and closes; hall also tells the app at once
        (its socket leaves its feed or channel) and aborts a client that does not read."""
        open_ = not self.close_sent and not self.transport.is_closing()
        super().keepalive_timeout()
        if open_ and not self.disconnected:
            self.queue.put_nowait({"type": "websocket.disconnect", "code": 1011})
            self._abort_later()

    def pause_writing(self) -> None:
        super().pause_writing()
        listener = self._incoming.listener
        if listener is not None:
            listener()

    def resume_writing(self) -> None:
        super().resume_writing()
        listener = self._incoming.listener
        if listener is not None:
            listener()
