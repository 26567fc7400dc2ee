"""The load generator's clients for `fanout.py`: a lean websocket client (a sink counts
messages without decoding them, a probe keeps each with its arrival time) and HTTP/1.1 on
one keep-alive connection. Loopback only."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import time
from typing import Any

LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")
CONNECT_BATCH = 100  # sockets connecting at once while a run sets up


def now() -> float:
    return time.perf_counter()


# ------------------------------------------------------------------ the lean websocket client


class Sock(asyncio.Protocol):
    """A minimal websocket client: handshake, unmasked server frames, pings answered.

    A sink (`keep=False`) only counts messages and skips their payloads (and, with `mark`,
    counts that byte string in the stream: the wall's called tickets); a probe
    (`keep=True`) keeps each message with the time its last byte arrived."""

    def __init__(self, host: str, port: int, path: str, *, keep: bool = False) -> None:
        key = "dGhlIHNhbXBsZSBub25jZQ=="  # not checked: the server's accept is not verified
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.keep = keep
        self.mark: bytes | None = None
        self.marks = 0
        self.frames = 0
        self.first_at = 0.0  # when the first message arrived (snapshot or full view)
        self.messages: list[tuple[float, bytes]] = []
        self.close_code: int | None = None
        self.transport: asyncio.Transport | None = None
        self.alive = False
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.first: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self._head = b""
        self._buf = b""
        self._skip = 0
        self._tail = b""
        self._parts: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        t: Any = transport  # uvloop's transports are no asyncio.Transport subclass
        self.transport = t
        self.alive = True
        t.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        for fut in (self.opened, self.first):
            if not fut.done():
                fut.set_exception(ConnectionError("closed before it was ready"))
                fut.exception()  # nobody may be waiting: mark it retrieved
        if not self.lost.done():
            self.lost.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        if not self.opened.done():
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self._head.startswith(b"HTTP/1.1 101"):
                status = self._head.split(b"\r\n", 1)[0].decode(errors="replace")
                self.opened.set_exception(ConnectionError(f"no upgrade: {status}"))
                self.close()
                return
            data, self._head = self._head[end + 4 :], b""
            self.opened.set_result(None)
            if not data:
                return
        if self.mark is not None:
            mark = self.mark
            self.marks += data.count(mark)
            if self._tail:
                self.marks += (self._tail + data[: len(mark) - 1]).count(mark)
            self._tail = (self._tail + data)[1 - len(mark) :]
        if self._skip:  # inside a long payload a sink does not keep
            if len(data) <= self._skip:
                self._skip -= len(data)
                return
            data, self._skip = data[self._skip :], 0
        buf = self._buf + data if self._buf else data
        i, n = 0, len(buf)
        while n - i >= 2:
            b0, length, h = buf[i], buf[i + 1] & 0x7F, i + 2
            if length == 126:
                if n - h < 2:
                    break
                length, h = (buf[h] << 8) | buf[h + 1], h + 2
            elif length == 127:
                if n - h < 8:
                    break
                length, h = int.from_bytes(buf[h : h + 8], "big"), h + 8
            end = h + length
            opcode = b0 & 0x0F
            if opcode >= 8:  # control frames are small: wait for the whole one
                if end > n:
                    break
                self._control(opcode, buf[h:end])
            elif self.keep:
                if end > n:
                    break
                self._parts.append(buf[h:end])
                if b0 & 0x80:
                    self._message(b"".join(self._parts))
                    self._parts = []
            else:
                if b0 & 0x80:
                    self._message(b"")
                if end > n:
                    self._skip, self._buf = end - n, b""
                    return
            i = end
        self._buf = buf[i:] if i < n else b""

    def _message(self, payload: bytes) -> None:
        self.frames += 1
        if self.frames == 1:
            self.first_at = now()
            if not self.first.done():
                self.first.set_result(None)
        if self.keep:
            self.messages.append((now(), payload))

    def _control(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        if opcode == 9:  # ping: a masked pong (a zero mask leaves the payload as it is)
            self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
        elif opcode == 8:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.transport.close()


async def open_sock(port: int, path: str, *, keep: bool = False, within: float = 10) -> Sock:
    loop = asyncio.get_running_loop()
    _, sock = await asyncio.wait_for(
        loop.create_connection(lambda: Sock("127.0.0.1", port, path, keep=keep), "127.0.0.1", port),
        within,
    )
    try:
        await asyncio.wait_for(sock.opened, within)
    except BaseException:
        sock.close()
        raise
    return sock


# ------------------------------------------------------------------ HTTP over one connection


class Http:
    """HTTP/1.1 on one keep-alive connection: a request, its answer, the next request."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.headers = f"Host: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        if token:
            self.headers += f"Authorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)
        answer = await self.reader.readuntil(b"\r\n\r\n")
        m = LENGTH.search(answer)
        data = await self.reader.readexactly(int(m[1])) if m else b""
        return int(answer[9:12]), data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def wait_http(port: int, path: str, proc: subprocess.Popen[bytes], within: float) -> None:
    deadline = now() + within
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode} while starting")
        client = Http(port)
        try:
            status, _ = await asyncio.wait_for(client.request("GET", path), 2)
            if status == 200:
                return
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            client.close()
        if now() > deadline:
            raise SystemExit(f"the server on port {port} did not answer {path}")
        await asyncio.sleep(0.05)
