"""Serving a hub with uvicorn: hall's websocket protocol (the fan-out writes each frame to
the transports itself), the socket limits, and a garbage collector tuned for thousands of
long-lived sockets. `hall serve` calls `serve`."""

from __future__ import annotations

import gc
import signal
import sys

from hall.config import HallConfig
from hall.logs import uvicorn_config
from hall.settings import Settings


def serve(settings: Settings, halls: dict[str, HallConfig], host: str, port: int, log: str) -> None:
    import uvicorn

    from hall.app import create_app
    from hall.live.protocol import HallWebSocketProtocol

    app = create_app(settings, halls)
    # uvicorn re-raises SIGTERM after its graceful shutdown; make that unwind the caller's
    # context managers (stopping the embedded Redis) instead of killing the process outright.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Thousands of long-lived sockets make the cyclic GC walk a large, stable heap again
    # and again (45% of a reconnect storm): freeze what exists, collect less often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    uvicorn.run(
        app,
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
        proxy_headers=True,
    )
