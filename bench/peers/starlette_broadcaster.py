"""Baseline (b): a minimal, idiomatic Starlette + broadcaster app (redis-stream backend).

    python bench/peers/starlette_broadcaster.py --redis redis://127.0.0.1:6379 --port 8103

What a developer would write from broadcaster's README: `Broadcast("redis-stream://...")`
connected in the lifespan; `WS /ws` subscribes to one channel and sends each message with
`send_text` (a receiver task notices the client leaving); `POST /publish` turns the
publisher's body into an event (adds `id`, `hall`, `at`) and publishes it, answering
`{"events": [{"id": ...}]}` like the hub does; `GET /healthz` answers 200. Served by uvicorn
with its defaults (uvloop and httptools when installed), as the hub is.

broadcaster 0.3.1 loses subscribers that subscribe at the same moment to a channel nobody
is subscribed to yet (both see the channel empty, and the second set of subscribers
replaces the first): connect one client first, then the rest. A yardstick for
`bench/fanout.py`, not hall code.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta, timezone

import anyio
import uvicorn
from broadcaster import Broadcast
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

TZ = timezone(timedelta(hours=8))


def create_app(redis_url: str, channel: str, hall: str) -> Starlette:
    broadcast = Broadcast(redis_url.replace("redis://", "redis-stream://", 1))
    ids = itertools.count(1)
    prefix = f"{os.getpid()}-"

    async def publish(request: Request) -> JSONResponse:
        body = await request.json()
        event = {"id": f"{prefix}{next(ids)}", "hall": hall, **body}
        event["at"] = datetime.now(TZ).isoformat()
        await broadcast.publish(channel=channel, message=json.dumps(event, ensure_ascii=False))
        return JSONResponse({"events": [event]})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def events(websocket: WebSocket) -> None:
        await websocket.accept()

        async def receiver() -> None:
            async for _ in websocket.iter_text():
                pass
            tg.cancel_scope.cancel()

        async def sender() -> None:
            async with broadcast.subscribe(channel=channel) as subscriber:
                async for event in subscriber:  # type: ignore[union-attr]
                    if event is not None:
                        await websocket.send_text(event.message)

        async with anyio.create_task_group() as tg:
            tg.start_soon(receiver)
            tg.start_soon(sender)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await broadcast.connect()
        try:
            yield
        finally:
            # 0.3.1's listener dies once the last subscriber has left (XREAD on no stream):
            # disconnect re-raises that; nothing is lost at shutdown.
            with suppress(Exception):
                await broadcast.disconnect()

    routes = [
        Route("/publish", publish, methods=["POST"]),
        Route("/healthz", healthz),
        WebSocketRoute("/ws", events),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", required=True, help="redis://host:port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--channel", default="bench-events")
    parser.add_argument("--hall", default="bench")
    args = parser.parse_args()
    app = create_app(args.redis, args.channel, args.hall)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    cli()
