"""`/ws/halls/{hall}/events`: JSON frames, a snapshot or a gapless resume, then live events.

Each socket is a receiver and a sender in one task group: whichever ends first cancels the
other. The fan-out only drops frames into the socket's bounded outbox; a socket that falls
behind is closed with 1013 and resumes with `?after=` its last id."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from hall import metrics
from hall.auth import LANG_COOKIE, Unauthorized, authenticate
from hall.core.errors import DomainError, Forbidden, NotFound
from hall.i18n import normalize_lang
from hall.live import ids
from hall.live.feed import Frame, HallFeed
from hall.live.outbox import Outbox
from hall.live.views import View
from hall.screens import check_log_reader, may_view, parse_after
from hall.services import Services
from hall.store.errors import StoreError
from hall.store.store import with_id

T = TypeVar("T")
TRY_AGAIN_LATER = 1013
REPLAY_PAGE = 500
FROM_THE_START = ("0", "0-0")


def close_code(error: DomainError) -> int:
    return 4000 + error.status  # 4400 bad request, 4401, 4403, 4404


@asynccontextmanager
async def following(feed: HallFeed, limit: int, kind: str) -> AsyncIterator[Outbox[Frame]]:
    outbox: Outbox[Frame] = Outbox(limit)
    feed.subscribers.add(outbox)
    metrics.WS_CLIENTS.labels(kind).inc()
    try:
        yield outbox
    finally:
        feed.subscribers.discard(outbox)
        metrics.WS_CLIENTS.labels(kind).dec()


async def _accept(ws: WebSocket, admit: Awaitable[T]) -> T | None:
    """Accept, then admit (who, what hall, which view); a refusal closes with its reason."""
    await ws.accept()
    try:
        return await admit
    except DomainError as e:
        await ws.close(close_code(e), e.message[:120])
    except StoreError:
        await ws.close(1011, "store unavailable")
    return None


async def run_socket(ws: WebSocket, sender: Callable[[], Awaitable[None]]) -> None:
    """Run `sender` beside a receiver that notices the client leaving."""

    async def receiver() -> None:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return

    async with anyio.create_task_group() as tg:

        async def one(fn: Callable[[], Awaitable[None]]) -> None:
            with suppress(WebSocketDisconnect, RuntimeError, OSError):  # the client left
                await fn()
            tg.cancel_scope.cancel()

        tg.start_soon(one, receiver)
        tg.start_soon(one, sender)


async def events_socket(ws: WebSocket) -> None:
    svc: Services = ws.app.state.services
    admitted = await _accept(ws, _admit(ws, svc))
    if admitted is None:
        return
    feed, after = admitted
    async with following(feed, svc.settings.outbox_frames, "events") as outbox:
        try:
            last = await _catch_up(ws, svc, feed, after)
        except StoreError:
            await ws.close(1011, "store unavailable")
            return

        async def sender() -> None:
            nonlocal last
            while True:
                frames = await outbox.take()
                if outbox.overflowed:
                    metrics.SLOW_CLIENTS.inc()
                    await ws.close(TRY_AGAIN_LATER, "too far behind; resume with ?after=")
                    return
                for k, text in frames:
                    if k > last:
                        await ws.send_text(text)
                        last = k

        await run_socket(ws, sender)


async def view_socket(ws: WebSocket) -> None:
    """`/ws/halls/{hall}/view/{view}`: HTML fragments for htmx's ws extension."""
    svc: Services = ws.app.state.services
    admitted = await _accept(ws, _admit_view(ws, svc))
    if admitted is None:
        return
    feed, view, lang = admitted
    channel = svc.views.channel(feed, view, lang)
    outbox: Outbox[str] = Outbox(svc.settings.outbox_frames)
    channel.sockets.add(outbox)
    metrics.WS_CLIENTS.labels("view").inc()
    try:
        await ws.send_text(channel.whole(svc.engine.clock()))

        async def sender() -> None:
            while True:
                messages = await outbox.take()
                if outbox.overflowed:
                    metrics.SLOW_CLIENTS.inc()
                    await ws.close(TRY_AGAIN_LATER, "too far behind; reconnect")
                    return
                await ws.send_text("".join(messages))  # a backlog goes out as one write

        await run_socket(ws, sender)
    finally:
        svc.views.leave(channel, outbox)
        metrics.WS_CLIENTS.labels("view").dec()


async def _admit_view(ws: WebSocket, svc: Services) -> tuple[HallFeed, View, str]:
    hall = ws.path_params["hall"]
    if hall not in svc.halls:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    view = View.parse(ws.path_params["view"])
    if view is None or (view.window is not None and svc.halls[hall].window(view.window) is None):
        raise NotFound("unknown_view", f"there is no view {ws.path_params['view']!r}")
    principal = await authenticate(ws, svc.store, svc.settings)
    if principal is not None:
        principal.check_hall(hall)
    if not may_view(svc.halls[hall], view, principal.actor if principal else None):
        if principal is None:
            raise Unauthorized("this screen needs a login or a device token")
        raise Forbidden("this screen is not yours")
    lang = normalize_lang(ws.query_params.get("lang") or ws.cookies.get(LANG_COOKIE) or "")
    return await svc.live.feed(hall), view, lang


async def _admit(ws: WebSocket, svc: Services) -> tuple[HallFeed, str | None]:
    principal = await authenticate(ws, svc.store, svc.settings)
    if principal is None:
        raise Unauthorized("this needs a token (bearer header or ?token=)")
    hall = ws.path_params["hall"]
    if hall not in svc.halls:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    principal.check_hall(hall)
    check_log_reader(principal.actor)
    after = parse_after(ws.query_params.get("after"))
    return await svc.live.feed(hall), after


async def _catch_up(
    ws: WebSocket, svc: Services, feed: HallFeed, after: str | None
) -> tuple[int, int]:
    """Send what precedes the live frames; returns the id of the last frame sent.

    The outbox was subscribed before this runs, so every event newer than the feed's
    version at that moment is queued there; anything sent here is skipped there by id."""
    if after is not None and after not in FROM_THE_START:
        first = await svc.store.first_id(feed.hall.id)
        if first is not None and ids.key(after) < ids.key(first):
            after = None  # trimmed away: the client gets a snapshot instead
    if after is None:
        version = feed.version
        await ws.send_text(feed.snapshot_frame(svc.engine.clock()))
        return ids.key(version)
    last = ids.key(after)
    cursor = after
    while True:
        page = await svc.store.read(feed.hall.id, cursor, REPLAY_PAGE)
        for event_id, data in page:
            await ws.send_text(with_id(event_id, data).decode())
            last = ids.key(event_id)
        if len(page) < REPLAY_PAGE:
            return last
        cursor = page[-1][0]
