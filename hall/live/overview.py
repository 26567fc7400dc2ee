"""The district's overview, live (`/ws/overview`): one channel per (halls, language, title),
fed by the feeds of those halls, like the screens' channels (`hall.live.channels`) but
across halls.

Cost per batch of a hall's events: its summary is made once per state version, whatever
the number of overview channels (`Summaries`), and each channel that shows the hall
re-renders only the parts whose values changed (that hall's row and the totals), sending
just those: an overview of 50 halls costs one small row, not 50 walls. The order of the
rows is the page script's to keep (each row carries its place, `data-order`).

An overview socket watches every hall it shows: it holds their feeds (`Live.hold`) while
it is open (so the hub follows those halls), and `Overviews.watched()` names them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from starlette.websockets import WebSocket

from hall import metrics
from hall.config import District, HallConfig
from hall.core import Unauthorized
from hall.core.access import may_oversee, overseen
from hall.core.errors import Forbidden
from hall.i18n import normalize_lang
from hall.kiosk import Renderer
from hall.kiosk.overview import (
    HallSummary,
    OverviewContext,
    late_today,
    overview_context,
    summarize,
)
from hall.kiosk.render import Memo
from hall.live.channels import Fragment
from hall.live.feed import HallFeed
from hall.live.gate import LANG_COOKIE, Principal, authenticate
from hall.live.hub import Live
from hall.live.outbox import Outbox
from hall.live.revocations import Revocations
from hall.live.sockets import (
    REVOKED,
    _accept,
    serve_view,
)
from hall.live.wire import RawSocket, raw_socket, text_frame
from hall.settings import Settings
from hall.store.credentials import Credentials

Clock = Callable[[], datetime]
DEFAULT_TZ = "Asia/Shanghai"


class Summaries:
    """Each hall's summary, made once per state version (every channel shares it)."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[str, HallSummary]] = {}

    def of(self, feed: HallFeed, now: datetime) -> HallSummary:
        made = self._made.get(feed.hall.id)
        if made is None or made[0] != feed.version:
            summary = summarize(feed.hall, feed.public(now), late_today(feed.state))
            made = self._made[feed.hall.id] = (feed.version, summary)
        return made[1]

    def context(
        self,
        feeds: Iterable[HallFeed],
        lang: str,
        head: Heading,
        now: datetime,
        only: Container[str] | None = None,
    ) -> OverviewContext:
        return overview_context(
            [self.of(feed, now) for feed in feeds],
            lang,
            now,
            district=head.title,
            timezone=head.timezone,
            only=only,
        )


@dataclass(frozen=True)
class Heading:
    """What an overview page is titled and timed by: the district's name in the page's
    language ("" for the admin's view of every hall without a district file) and the time
    zone of its clock."""

    title: str
    timezone: str = DEFAULT_TZ


def heading(district: District | None, halls: Sequence[HallConfig], lang: str) -> Heading:
    return Heading(
        district.label(normalize_lang(lang)) if district else "",
        halls[0].timezone if halls else DEFAULT_TZ,
    )


@dataclass
class OverviewChannel:
    feeds: dict[str, HallFeed]  # the halls shown, in the order given
    lang: str
    head: Heading
    renderer: Renderer
    summaries: Summaries
    sockets: set[Outbox[Fragment]] = field(default_factory=set)
    fragments: dict[str, str] = field(default_factory=dict)
    memo: Memo = field(default_factory=dict, repr=False)
    versions: tuple[str, ...] | None = None  # of the feeds, at the last render
    _whole: tuple[dict[str, str], bytes] | None = field(default=None, init=False, repr=False)

    def context(self, now: datetime) -> OverviewContext:
        return self.summaries.context(self.feeds.values(), self.lang, self.head, now)

    def render(self, now: datetime) -> dict[str, str]:
        self.versions = tuple(feed.version for feed in self.feeds.values())
        self.fragments = self.renderer.fragments("overview", self.context(now), self.memo)
        return self.fragments

    def whole(self, now: datetime) -> bytes:
        """The full view for a (re)connecting page, framed once per set of versions."""
        if self.versions != tuple(f.version for f in self.feeds.values()) or not self.fragments:
            self.render(now)
        if self._whole is None or self._whole[0] is not self.fragments:
            html = "".join(self.fragments.values())
            self._whole = (self.fragments, text_frame(html.encode()))
        return self._whole[1]

    def refresh(self, hall: str, now: datetime) -> None:
        """After `hall`'s events: send its row and the totals, if they changed, to every
        socket of the channel, now (an overview has a few sockets: no slices needed).
        Only that row is made and rendered, however many halls the overview shows."""
        ctx = self.summaries.context(self.feeds.values(), self.lang, self.head, now, {hall})
        before = {part.id: self.memo[part.id][2] for part in ctx.parts() if part.id in self.memo}
        after = self.renderer.fragments("overview", ctx, self.memo)
        changed = "".join(html for key, html in after.items() if before.get(key) != html)
        if not changed:
            return
        item = (changed, text_frame(changed.encode()))
        for box in self.sockets:
            write = box.write
            if write is None:
                box.put(item)
            else:
                write(item[1])


class Overviews:
    """This hub's overview channels, refreshed as the feeds of their halls move on."""

    def __init__(self, renderer: Renderer, clock: Clock) -> None:
        self.renderer = renderer
        self.clock = clock
        self.summaries = Summaries()
        self.channels: dict[tuple[tuple[str, ...], str, Heading], OverviewChannel] = {}

    def attach(self, feed: HallFeed) -> None:
        feed.listeners.append(self._refresh)

    def channel(self, feeds: Sequence[HallFeed], lang: str, head: Heading) -> OverviewChannel:
        key = (tuple(f.hall.id for f in feeds), lang, head)
        existing = self.channels.get(key)
        if existing is None:
            existing = self.channels[key] = OverviewChannel(
                {f.hall.id: f for f in feeds}, lang, head, self.renderer, self.summaries
            )
        return existing

    def leave(self, channel: OverviewChannel, outbox: Outbox[Fragment]) -> None:
        channel.sockets.discard(outbox)
        if not channel.sockets:
            key = (tuple(channel.feeds), channel.lang, channel.head)
            self.channels.pop(key, None)

    def watched(self) -> set[str]:
        """The halls an open overview socket shows (its feeds must keep following them)."""
        return {hall for ch in self.channels.values() if ch.sockets for hall in ch.feeds}

    def _refresh(self, feed: HallFeed) -> None:
        now = self.clock()
        for channel in list(self.channels.values()):
            if channel.sockets and feed.hall.id in channel.feeds:
                channel.refresh(feed.hall.id, now)


# --- the socket ------------------------------------------------------------------------------


class OverviewHub(Protocol):
    """What the overview needs of the running hub (`hall.runtime.Runtime` is one)."""

    settings: Settings
    halls: dict[str, HallConfig]
    district: District | None
    credentials: Credentials
    live: Live
    overviews: Overviews
    revocations: Revocations

    def now(self) -> datetime: ...


def scope(hub: OverviewHub, principal: Principal) -> list[HallConfig]:
    """The halls `principal` oversees (in the hall files' order): 403 for anyone who may
    not see the overview."""
    if not may_oversee(principal.actor):
        raise Forbidden("the overview is for supervisors and the admin")
    return [hub.halls[h] for h in overseen(principal.actor, hub.halls)]


async def feeds_of(hub: OverviewHub, halls: Sequence[HallConfig]) -> list[HallFeed]:
    """The halls' live feeds, started together where this hub has none yet."""
    return list(await asyncio.gather(*(hub.live.feed(h.id) for h in halls)))


async def _admit(ws: WebSocket, svc: OverviewHub) -> tuple[list[HallFeed], str, Heading, Principal]:
    principal = await authenticate(ws, svc.credentials, svc.settings)
    if principal is None:
        raise Unauthorized("the overview needs a supervisor's login or the admin token")
    halls = scope(svc, principal)
    lang = normalize_lang(ws.query_params.get("lang") or ws.cookies.get(LANG_COOKIE) or "")
    return await _hold(svc.live, halls), lang, heading(svc.district, halls, lang), principal


async def _hold(live: Live, halls: Sequence[HallConfig]) -> list[HallFeed]:
    """Every hall's feed, held until the socket ends; none held if any could not be."""
    got = await asyncio.gather(*(live.hold(h.id) for h in halls), return_exceptions=True)
    held = [feed for feed in got if isinstance(feed, HallFeed)]
    failed = next((e for e in got if isinstance(e, BaseException)), None)
    if failed is not None:
        for feed in held:
            live.release(feed.hall.id)
        raise failed
    return held


def _follow_token(
    ws: WebSocket, raw: RawSocket | None, revocations: Revocations, principal: Principal
) -> Callable[[], None]:
    """Close with 4401 the moment the session is revoked (the admin token cannot be)."""
    if principal.actor.kind == "admin":
        return lambda: None

    def close() -> None:
        if raw is not None:
            raw.hall_close(REVOKED, "token revoked")
        else:
            asyncio.get_running_loop().create_task(ws.close(REVOKED, "token revoked"))

    return revocations.register(principal.token, close)


async def overview_socket(ws: WebSocket) -> None:
    """`/ws/overview`: the overview's rows and totals, as HTML fragments for htmx's ws
    extension; the whole view on connect, then the parts that change."""
    svc: OverviewHub = ws.app.state.runtime
    raw = raw_socket(ws.scope)
    admitted = await _accept(ws, _admit(ws, svc))
    if admitted is None:
        return
    feeds, lang, head, principal = admitted
    channel = svc.overviews.channel(feeds, lang, head)
    outbox: Outbox[Fragment] = Outbox(svc.settings.outbox_frames, raw)
    channel.sockets.add(outbox)
    metrics.WS_CLIENTS.labels("overview").inc()
    forget = _follow_token(ws, raw, svc.revocations, principal)
    try:
        await serve_view(ws, raw, outbox, channel.whole(svc.now()))
    finally:
        forget()
        svc.overviews.leave(channel, outbox)
        for feed in feeds:
            svc.live.release(feed.hall.id)
        metrics.WS_CLIENTS.labels("overview").dec()
