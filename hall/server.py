"""Serving a hub with uvicorn: hall's websocket protocol (the fan-out writes each frame to
the transports itself), the socket limits, and a garbage collector tuned for thousands of
long-lived sockets. `hall serve` calls `serve`."""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Awaitable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from hall.config import HallConfig
from hall.logs import uvicorn_config
from hall.settings import Settings

GC_YOUNG = 5_000  # allocations between collections of the young generation (default 700)


def serve(settings: Settings, halls: dict[str, HallConfig], host: str, port: int, log: str) -> None:
    import uvicorn

    from hall.app import create_app
    from hall.live.protocol import HallWebSocketProtocol

    app = create_app(settings, halls)
    # uvicorn re-raises SIGTERM after its graceful shutdown; make that unwind the caller's
    # context managers (stopping the embedded Redis) instead of killing the process outright.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Thousands of long-lived sockets make the cyclic GC walk a large, stable heap again
    # and again (45% of a reconnect storm): freeze what exists, collect less often. Not too
    # seldom: a young generation of 50,000 objects took 10-140 ms to collect and the middle
    # one 320 ms, on a hub with 18,500 screens (a part of the tap-to-screen tail).
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, 10, 100)
    uvicorn.run(
        _ProxiedHTTP(app),
        interface="asgi3",  # the app returns its coroutines (hall.app's __call__): say so
        host=host,
        port=port,
        log_level=log,
        log_config=uvicorn_config(),  # no token in a log line (hall.logs)
        # uvicorn's websockets-sansio protocol, letting the fan-out write each event's
        # frame, built once, to every caught-up socket's transport (hall.live.protocol)
        ws=HallWebSocketProtocol,
        ws_max_size=64 * 1024,  # a bigger frame closes the socket with 1009
        ws_per_message_deflate=False,  # fan-out sends the same bytes to all: no deflate
        ws_ping_interval=settings.ws_ping,
        ws_ping_timeout=settings.ws_ping,  # half-open sockets are dropped
        timeout_graceful_shutdown=5,
        backlog=8192,  # a reconnect storm must not overflow the accept queue
        proxy_headers=False,  # _ProxiedHTTP
    )


class _ProxiedHTTP:
    """uvicorn's proxy-headers middleware (X-Forwarded-For/-Proto from FORWARDED_ALLOW_IPS,
    default 127.0.0.1), for HTTP only: a websocket would keep its coroutine's frame for the
    socket's life, and nothing of a socket reads the client's address."""

    def __init__(self, app: ASGIApp) -> None:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        self.app = app
        trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
        middleware: Any = ProxyHeadersMiddleware  # typed with uvicorn's ASGI types, not Starlette's
        self.http: ASGIApp = middleware(app, trusted_hosts=trusted)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "websocket":
            return self.app(scope, receive, send)
        return self.http(scope, receive, send)
