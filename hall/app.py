"""`create_app(settings)`: the Starlette app; its lifespan owns the Redis clients, the
records database and the background tasks (stream tail, inbox consumer, notifier, ticker,
archiver) in one task group."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Match, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from hall.config import HallConfig, load_district, load_halls
from hall.core import DomainError, State
from hall.engine import Clock, Engine, InboxApplier, Ticker, system_clock
from hall.kiosk import Renderer
from hall.kiosk.director import SystemAlert
from hall.limits import TokenBuckets
from hall.live.channels import Channels
from hall.live.hub import Live
from hall.live.overview import Overviews, overview_socket
from hall.live.revocations import Revocations
from hall.live.sockets import events_socket, view_socket
from hall.notify import Backoff, Notifier, resolve
from hall.records.archiver import Archiver
from hall.records.databases import archive_for
from hall.reloading import Reloader
from hall.runtime import Runtime
from hall.schedule import calendar_gap, hall_day
from hall.settings import Settings
from hall.store.credentials import Credentials, TicketKeys
from hall.store.reader import InboxConsumer
from hall.store.store import Store
from hall.web.errors import HANDLERS
from hall.web.headers import SecurityHeaders
from hall.web.routes import routes as http_routes


def hall_version() -> str:
    try:
        return version("hall")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


Background = Callable[[Runtime], Coroutine[Any, Any, None]]


def _system_alerts(engine: Engine, hall: str) -> tuple[SystemAlert, ...]:
    """Alerts about the service itself: the hall's log lost, the national calendar's data
    running out within a month (the hall then opens by its weekdays alone)."""
    out: list[SystemAlert] = []
    if hall in engine.lost:
        out.append(("director.log_lost", {}))
    cfg = engine.halls[hall]
    gap = calendar_gap(cfg, hall_day(cfg, engine.clock()))
    if gap is not None:
        out.append(("director.calendar_gap", {"first": gap.isoformat(), "last": gap.year - 1}))
    return tuple(out)


def create_app(
    settings: Settings,
    halls: dict[str, HallConfig] | None = None,
    *,
    clock: Clock | None = None,
    background: Sequence[Background] = (),
) -> Starlette:
    """`clock` replaces the system clock (the demo's simulated day); each `background`
    coroutine runs in the lifespan's task group with the hub's runtime."""
    halls = halls if halls is not None else load_halls(settings.config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hub = app.state.runtime = _runtime(settings, halls, clock)
        hangup = _on_sighup(hub.reloader.request)
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(hub.live.run)
                tg.start_soon(hub.inbox.run)
                tg.start_soon(hub.notifier.run)
                tg.start_soon(hub.archiver.run)
                tg.start_soon(hub.revocations.run)
                tg.start_soon(hub.ticker.run)
                tg.start_soon(hub.reloader.run)
                for task in background:
                    tg.start_soon(task, hub)
                yield
                tg.cancel_scope.cancel()
        finally:
            hangup()
            await hub.store.close()
            await hub.credentials.close()
            await hub.archive.close()

    sockets = [
        WebSocketRoute("/ws/halls/{hall}/events", events_socket),
        WebSocketRoute("/ws/halls/{hall}/view/{view}", view_socket),
        WebSocketRoute("/ws/overview", overview_socket),
    ]
    routes: list[BaseRoute] = [*http_routes, *sockets]
    return HallApp(
        sockets,
        routes=routes,
        lifespan=lifespan,
        exception_handlers=HANDLERS,
        middleware=[Middleware(SecurityHeaders)],
    )


def _on_sighup(reload: Callable[[], None]) -> Callable[[], None]:
    """SIGHUP reloads the hall files (`hall reload` reaches every hub; this, one process).
    Returns what undoes it. Only where the loop may take signals (the main thread)."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, reload)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
        return lambda: None

    def undo() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    return undo


def _runtime(settings: Settings, halls: dict[str, HallConfig], clock: Clock | None) -> Runtime:
    """The hub's parts, wired: the write path, the live edge that follows the log, the
    screens' channels, and what the HTTP edge keeps."""
    store = Store(
        settings.redis_url,
        retention_ms=settings.retention_days * 86_400_000,
        replica_ack=settings.replica_ack,
        replica_ack_ms=settings.replica_ack_ms,
    )
    credentials = Credentials(settings.redis_url)
    engine = Engine(halls, store, clock or system_clock(settings.clock_offset))
    live = Live(
        halls, store, _configured(engine), settings.redis_url, linger=settings.follow_linger
    )
    # A simulated clock (the demo's) says how fast it runs: the pages' clocks follow it.
    renderer = Renderer(clock_rate=float(getattr(clock, "speed", 1.0)))
    channels = Channels(renderer, engine.clock, lambda hall: _system_alerts(engine, hall))
    live.on_new_feed.append(channels.attach)
    overviews = Overviews(renderer, engine.clock)
    live.on_new_feed.append(overviews.attach)
    engine.on_lost.append(channels.refresh_hall)
    applier = InboxApplier(engine, store, credentials, settings.admin_token)
    consumer = InboxConsumer(settings.redis_url, list(halls), settings.hub_name, applier)
    notifier = Notifier(
        halls,
        resolve(halls, os.environ),  # env: addresses and secrets, read once (NotifyConfigError)
        engine.current,
        redis_url=settings.redis_url,
        consumer=settings.hub_name,
        public_url=settings.public_url,
        backoff=Backoff(first=settings.notify_backoff),
        claim_idle_s=settings.notify_claim_idle,
    )
    # Opened by the archiver (retrying): a database down at start must not stop the hall.
    archive = archive_for(settings.database_url, settings.data_dir)
    archiver = Archiver(archive, settings.redis_url, list(halls), settings.hub_name)
    rate, per = settings.command_rate
    ticker = Ticker(
        engine, settings.hub_name, interval=settings.ticker_interval, scan_every=settings.tick_scan
    )
    reloader = Reloader(
        settings.config,
        halls,
        engine,
        live,
        channels,
        notifier,
        settings.redis_url,
        settings.hub_name,
    )
    return Runtime(
        settings=settings,
        halls=halls,
        store=store,
        credentials=credentials,
        engine=engine,
        live=live,
        inbox=consumer,
        archive=archive,
        archiver=archiver,
        channels=channels,
        revocations=Revocations(settings.redis_url, credentials),
        notifier=notifier,
        renderer=renderer,
        buckets=TokenBuckets(rate, per),
        ticket_keys=TicketKeys(credentials),
        version=hall_version(),
        overviews=overviews,
        district=load_district(settings.config, halls),
        ticker=ticker,
        reloader=reloader,
    )


def _configured(engine: Engine) -> Callable[[str], Awaitable[tuple[State, str]]]:
    """The live feeds' loader: a hall's state, its hall file put on record first if this hub
    has not yet (a screen opened after a restart with a changed file shows the new posts)."""

    async def load(hall: str) -> tuple[State, str]:
        if hall not in engine.recorded and hall not in engine.lost:
            # e.g. another file on record: the reload that follows sorts it out
            with suppress(DomainError):
                await engine.tick(hall)
        return await engine.current(hall)

    return load


class HallApp(Starlette):
    """Starlette, except that a websocket goes straight to its endpoint. Through the
    middleware stack and the router it would keep ten suspended coroutines for its whole
    life (~4 KB of a ~20 KB idle screen); none of them acts on a websocket here (the
    endpoints close with their own codes, and an unexpected error reaches the server either
    way, which closes with 1011). The routes stay in the router too (`url_path_for`)."""

    def __init__(self, sockets: list[WebSocketRoute], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sockets = sockets

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        # The endpoint's coroutine itself, not one awaiting it: a frame fewer a socket. (So
        # this is not a coroutine function: a server that guesses the ASGI version from that,
        # as uvicorn does, is told `interface="asgi3"`.)
        if scope["type"] == "websocket":
            for route in self.sockets:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope["app"] = self
                    scope.update(child)
                    socket: Coroutine[Any, Any, None] = route.endpoint(
                        WebSocket(scope, receive=receive, send=send)
                    )
                    return socket
        return super().__call__(scope, receive, send)
