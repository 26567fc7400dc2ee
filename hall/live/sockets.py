"""`/ws/halls/{hall}/events`: JSON frames, a snapshot or a gapless resume, then live events.
`/ws/halls/{hall}/view/{view}`: HTML fragments for htmx's ws extension.

The fan-out never awaits a socket. On hall's own uvicorn protocol (`hall.live.protocol`)
each socket is one task: once caught up it waits on its outbox, the fan-out writes each
event's frame straight to its transport while the outbox is empty and the transport takes
data, and queues it in the outbox otherwise; the task writes the backlog when the transport
drains, notices the client leaving (the protocol wakes it), and closes with 1013 when the
outbox overflows. On any other server a socket is a receiver and a sender in one task
group, sending through ASGI. Either way a socket that falls behind is closed with 1013 and
resumes with `?after=` its last id; the events socket sends each id once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime
from typing import Protocol, TypeVar

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from hall import metrics
from hall.config import HallConfig
from hall.core import Unauthorized
from hall.core.access import check_log_reader, may_view
from hall.core.errors import DomainError, Forbidden, Invalid, NotFound
from hall.i18n import normalize_lang
from hall.live.channels import Channels, Fragment, Screen
from hall.live.feed import Frame, HallFeed
from hall.live.gate import LANG_COOKIE, Principal, authenticate
from hall.live.hub import Live
from hall.live.outbox import Outbox
from hall.live.revocations import Revocations
from hall.live.wire import RawSocket, frame_payload, raw_socket, text_frame
from hall.settings import Settings
from hall.store import ids
from hall.store.credentials import Credentials
from hall.store.errors import StoreError
from hall.store.store import Store, with_id

T = TypeVar("T")
TRY_AGAIN_LATER = 1013
REVOKED = 4401  # the token was revoked (or expired) while the socket was open
REPLAY_PAGE = 500
FROM_THE_START = ("0", "0-0")
BEHIND_EVENTS = "too far behind; resume with ?after="
BEHIND_VIEW = "too far behind; reconnect"


class SocketHub(Protocol):
    """What a socket endpoint needs of the running hub (`hall.runtime.Runtime` is one), found
    at `ws.app.state.runtime`."""

    settings: Settings
    halls: dict[str, HallConfig]
    store: Store
    credentials: Credentials
    live: Live
    channels: Channels
    revocations: Revocations

    def now(self) -> datetime: ...


def parse_after(value: str | None) -> str | None:
    """The `after` of a log read or a resume: a stream id, or None for "from the start"."""
    after = value or None
    if after is not None and ids.parse(after) is None:
        raise Invalid("invalid_field", "after: not a stream id like 1700000000000-0")
    return after


async def check_after_in_log(store: Store, hall: str, after: str | None) -> None:
    """An `after` later than the log's last id names an event that never was: a client
    resuming from it would skip everything to come (400 `invalid_field`, close 4400)."""
    if after is None or after in FROM_THE_START:
        return
    _, version = await store.load(hall)
    if ids.key(after) > ids.key(version):
        raise Invalid("invalid_field", f"after: {after} is later than the log's last id {version}")


def close_code(error: DomainError) -> int:
    return 4000 + error.status  # 4400 bad request, 4401, 4403, 4404


async def _accept(ws: WebSocket, admit: Awaitable[T]) -> T | None:
    """Accept, then admit (who, what hall, which view); a refusal closes with its reason.
    Once admitted, the handshake's headers are dropped: nothing reads them again, and a
    hub holding 20,000 sockets would keep ~1 KB of them for each."""
    await ws.accept()
    try:
        admitted = await admit
    except DomainError as e:
        await ws.close(close_code(e), e.message[:120])
    except StoreError:
        await ws.close(1011, "store unavailable")
    else:
        ws.scope["headers"] = []
        for cached in ("_headers", "_cookies", "_query_params"):
            ws.__dict__.pop(cached, None)
        return admitted
    return None


async def _send(
    ws: WebSocket, raw: RawSocket | None, text: str | bytes, frame: bytes = b""
) -> None:
    """One text message before the socket is live: straight to the transport when it takes
    data (`frame`, if already built), else through ASGI (which waits until it does)."""
    if raw is not None and raw.hall_writable():
        raw.hall_write(frame or text_frame(text if isinstance(text, bytes) else text.encode()))
    else:
        await ws.send_text(text if isinstance(text, str) else text.decode())


async def serve(
    ws: WebSocket,
    raw: RawSocket,
    outbox: Outbox[T],
    encode: Callable[[Outbox[T], list[T]], bytes],
    behind: str,
) -> None:
    """A caught-up socket's one task: write what its outbox holds whenever the transport
    takes data (`encode` turns a backlog into frames), until the client leaves, or the
    outbox overflows (close with 1013, reason `behind`). While it waits with an empty
    outbox, the fan-out writes to the transport itself."""
    raw.hall_listener = outbox.wake
    try:
        while True:
            if raw.hall_pending():  # a message, or the client leaving: at hand, no wait
                if (await ws.receive())["type"] == "websocket.disconnect":
                    return
            elif outbox.overflowed:
                metrics.SLOW_CLIENTS.inc()
                raw.hall_close(TRY_AGAIN_LATER, behind)
                return
            elif len(outbox) and raw.hall_writable():
                data = encode(outbox, outbox.take_now())
                if data:
                    raw.hall_write(data)
            else:
                outbox.grant()
                await outbox.waiter()
    finally:
        outbox.write = None
        raw.hall_listener = None


async def run_socket(ws: WebSocket, sender: Callable[[], Awaitable[None]]) -> None:
    """Run `sender` beside a receiver that notices the client leaving (servers that do not
    offer a `RawSocket`)."""

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


def _unsent_events(outbox: Outbox[Frame], frames: list[Frame]) -> bytes:
    """The frames not sent yet (the catch-up may have read some from the log), in one write."""
    fresh = [frame for k, _, frame in frames if k > outbox.last]
    if fresh:
        outbox.last = frames[-1][0]
    return b"".join(fresh)


def _joined_fragments(outbox: Outbox[Fragment], items: list[Fragment]) -> bytes:
    """A backlog of changed fragments goes out as one message."""
    if len(items) == 1:
        return items[0][1]
    return text_frame("".join(html for html, _ in items).encode())


async def events_socket(ws: WebSocket) -> None:
    svc: SocketHub = ws.app.state.runtime
    raw = raw_socket(ws.scope)
    admitted = await _accept(ws, _admit(ws, svc))
    if admitted is None:
        return
    feed, after, principal = admitted
    # Subscribed before the catch-up: every event newer than what it sends is queued.
    outbox: Outbox[Frame] = Outbox(svc.settings.outbox_frames, raw)
    feed.subscribers.add(outbox)
    metrics.WS_CLIENTS.labels("events").inc()
    forget = _follow_token(ws, raw, svc, principal)
    try:
        try:
            outbox.last = await _catch_up(ws, svc, feed, after, raw)
        except StoreError:
            await ws.close(1011, "store unavailable")
            return
        if raw is not None:
            await serve(ws, raw, outbox, _unsent_events, BEHIND_EVENTS)
            return

        async def sender() -> None:
            while True:
                frames = await outbox.take()
                if outbox.overflowed:
                    metrics.SLOW_CLIENTS.inc()
                    await ws.close(TRY_AGAIN_LATER, BEHIND_EVENTS)
                    return
                for k, text, _ in frames:
                    if k > outbox.last:
                        await ws.send_text(text)
                        outbox.last = k

        await run_socket(ws, sender)
    finally:
        forget()
        feed.subscribers.discard(outbox)
        svc.live.release(feed.hall.id)
        metrics.WS_CLIENTS.labels("events").dec()


async def view_socket(ws: WebSocket) -> None:
    """`/ws/halls/{hall}/view/{view}`: HTML fragments for htmx's ws extension."""
    svc: SocketHub = ws.app.state.runtime
    raw = raw_socket(ws.scope)
    admitted = await _accept(ws, _admit_view(ws, svc))
    if admitted is None:
        return
    feed, view, lang, principal = admitted
    channel = svc.channels.channel(feed, view, lang)
    outbox: Outbox[Fragment] = Outbox(svc.settings.outbox_frames, raw)
    channel.sockets.add(outbox)
    metrics.WS_CLIENTS.labels("view").inc()
    forget = _follow_token(ws, raw, svc, principal)
    try:
        await serve_view(ws, raw, outbox, channel.whole(svc.now()))
    finally:
        forget()
        svc.channels.leave(channel, outbox)
        svc.live.release(feed.hall.id)
        metrics.WS_CLIENTS.labels("view").dec()


def _nothing() -> None:
    pass


def _follow_token(
    ws: WebSocket, raw: RawSocket | None, svc: SocketHub, principal: Principal | None
) -> Callable[[], None]:
    """Close this socket with 4401 the moment its token is revoked (the admin token, not
    stored, cannot be). Returns what to call when the socket ends."""
    if principal is None or principal.actor.kind == "admin":
        return _nothing

    def close() -> None:
        if raw is not None:
            raw.hall_close(REVOKED, "token revoked")
        else:
            asyncio.get_running_loop().create_task(ws.close(REVOKED, "token revoked"))

    return svc.revocations.register(principal.token, close)


async def _admit_view(
    ws: WebSocket, svc: SocketHub
) -> tuple[HallFeed, Screen, str, Principal | None]:
    hall = ws.path_params["hall"]
    if hall not in svc.halls:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    view = Screen.parse(ws.path_params["view"])
    cfg = svc.halls[hall]
    if (
        view is None
        or (view.window is not None and cfg.window(view.window) is None)
        or (view.staff is not None and cfg.person(view.staff) is None)
    ):
        raise NotFound("unknown_view", f"there is no view {ws.path_params['view']!r}")
    principal = await authenticate(ws, svc.credentials, svc.settings)
    if principal is not None:
        principal.check_hall(hall)
    actor = principal.actor if principal else None
    if not may_view(cfg, view.page, view.window, actor, view.staff, readonly=view.readonly):
        if principal is None:
            raise Unauthorized("this screen needs a login or a device token")
        raise Forbidden("this screen is not yours")
    lang = normalize_lang(ws.query_params.get("lang") or ws.cookies.get(LANG_COOKIE) or "")
    return await svc.live.hold(hall), view, lang, principal  # released when the socket ends


async def _admit(ws: WebSocket, svc: SocketHub) -> tuple[HallFeed, str | None, Principal]:
    principal = await authenticate(ws, svc.credentials, svc.settings)
    if principal is None:
        raise Unauthorized("this needs a token (bearer header or ?token=)")
    hall = ws.path_params["hall"]
    if hall not in svc.halls:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    principal.check_hall(hall)
    check_log_reader(principal.actor)
    after = parse_after(ws.query_params.get("after"))
    await check_after_in_log(svc.store, hall, after)
    return await svc.live.hold(hall), after, principal  # released when the socket ends


async def _catch_up(
    ws: WebSocket, svc: SocketHub, feed: HallFeed, after: str | None, raw: RawSocket | None
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
        text, frame = feed.snapshot_frame(svc.now())
        await _send(ws, raw, text, frame)
        return ids.key(version)
    last = ids.key(after)
    cursor = after
    while True:
        page = await svc.store.read(feed.hall.id, cursor, REPLAY_PAGE)
        for event_id, data in page:
            await _send(ws, raw, with_id(event_id, data))
            last = ids.key(event_id)
        if len(page) < REPLAY_PAGE:
            return last
        cursor = page[-1][0]


def serve_view(
    ws: WebSocket, raw: RawSocket | None, outbox: Outbox[Fragment], whole: bytes
) -> Awaitable[None]:
    """A view's socket once admitted: its whole view (a frame), then its outbox's fragments.
    A socket on hall's protocol is served by `serve` itself, not by a coroutine awaiting it
    (one frame fewer for each of thousands of idle screens)."""
    if raw is not None and raw.hall_writable():
        raw.hall_write(whole)
        return serve(ws, raw, outbox, _joined_fragments, BEHIND_VIEW)
    return _serve_view_later(ws, raw, outbox, whole)


async def _serve_view_later(
    ws: WebSocket, raw: RawSocket | None, outbox: Outbox[Fragment], whole: bytes
) -> None:
    """`serve_view` when the whole view must wait for the transport, or goes through ASGI."""
    await _send(ws, raw, frame_payload(whole), whole)
    if raw is not None:
        await serve(ws, raw, outbox, _joined_fragments, BEHIND_VIEW)
        return

    async def sender() -> None:
        while True:
            items = await outbox.take()
            if outbox.overflowed:
                metrics.SLOW_CLIENTS.inc()
                await ws.close(TRY_AGAIN_LATER, BEHIND_VIEW)
                return
            await ws.send_text("".join(html for html, _ in items))  # a backlog: one write

    await run_socket(ws, sender)
