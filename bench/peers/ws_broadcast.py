"""Baseline (a): the fan-out a developer would write by hand with the `websockets` library.

    python bench/peers/ws_broadcast.py --redis redis://127.0.0.1:6379 --port 8101 --http-port 8102

One asyncio process. The `websockets` library's own server keeps the open connections in a
set; one task tails a Redis stream with `XREAD BLOCK` (on its own connection, resuming from
the last id it saw) and hands each entry to `websockets.broadcast()`, which writes the same
frame to every connection without awaiting any of them. A tiny hand-written HTTP/1.1
keep-alive endpoint, `POST /publish`, turns the publisher's body into an event (adds `hall`
and `at`) and XADDs it, answering `{"events": [{"id": ...}]}` like the hub does, so the
publishing path is comparable; `GET /healthz` answers 200. No validation, no state, no
rendering: a yardstick for `bench/fanout.py`, not hall code. Runs on uvloop when installed
(as uvicorn does for the hub), unless `--no-uvloop`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime, timedelta, timezone
from typing import Any

import redis.asyncio as redis
from websockets.asyncio.server import ServerConnection, broadcast, serve

TZ = timezone(timedelta(hours=8))
LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")


def http_response(status: bytes, body: bytes) -> bytes:
    head = b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\n"
    return head + b"content-length: %d\r\n\r\n" % len(body) + body


async def http_server(
    host: str, port: int, publish: Callable[[bytes], Awaitable[bytes]]
) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: one request after another on the same connection
                head = await reader.readuntil(b"\r\n\r\n")
                method, path = head.split(b" ", 2)[:2]
                m = LENGTH.search(head)
                body = await reader.readexactly(int(m[1])) if m else b""
                if method == b"POST" and path == b"/publish":
                    writer.write(http_response(b"200 OK", await publish(body)))
                elif method == b"GET" and path == b"/healthz":
                    writer.write(http_response(b"200 OK", b'{"status":"ok"}'))
                else:
                    writer.write(http_response(b"404 Not Found", b'{"error":"not_found"}'))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)


async def main(args: argparse.Namespace) -> None:
    clients: set[ServerConnection] = set()
    writer = redis.Redis.from_url(args.redis)
    # Blocking reads get their own connection and no socket timeout.
    reader = redis.Redis.from_url(args.redis, socket_timeout=None)

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async def tail() -> None:
        last = "$"
        while True:
            reply: Any = await reader.xread({args.stream: last}, block=0, count=100)
            for _stream, entries in reply:
                for entry_id, fields in entries:
                    last = entry_id.decode()
                    data = fields[b"data"].decode()
                    broadcast(clients, f'{{"id":"{last}",{data[1:]}')

    async def publish(body: bytes) -> bytes:
        event = {"hall": args.hall, **json.loads(body), "at": datetime.now(TZ).isoformat()}
        data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
        entry_id: Any = await writer.xadd(args.stream, {"type": event["type"], "data": data})
        return json.dumps({"events": [{"id": entry_id.decode(), **event}]}).encode()

    http = await http_server(args.host, args.http_port, publish)
    async with serve(handler, args.host, args.port, compression=None):
        tail_task = asyncio.create_task(tail())
        try:
            await http.serve_forever()
        finally:
            tail_task.cancel()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", required=True, help="redis://host:port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="websocket port (any path)")
    parser.add_argument("--http-port", type=int, required=True, help="POST /publish port")
    parser.add_argument("--stream", default="bench:events")
    parser.add_argument("--hall", default="bench")
    parser.add_argument("--no-uvloop", action="store_true")
    args = parser.parse_args()
    runner: Callable[[Awaitable[None]], None] = asyncio.run  # type: ignore[assignment]
    if not args.no_uvloop:
        with suppress(ImportError):
            import uvloop

            runner = uvloop.run  # type: ignore[assignment]
    with suppress(KeyboardInterrupt):
        runner(main(args))


if __name__ == "__main__":
    cli()
