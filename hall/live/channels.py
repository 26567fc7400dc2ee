"""Live screens: one channel per (hall, screen, language) renders its fragments once per
batch of events and sends only what changed (the fragments that changed; of a live list,
only its items that changed: `hall.kiosk.frames`), the same text to every socket of the
screen: each change is encoded once as a websocket frame, written as is to every caught-up
socket (`hall.live.feed` explains the delivery). A (re)connecting screen gets the whole
view, rendered and framed once per state version."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from hall import metrics
from hall.kiosk import (
    Renderer,
    director_context,
    display_context,
    kiosk_context,
    me_context,
    rating_context,
    tablet_context,
    ticket_context,
    wall_context,
)
from hall.kiosk.contexts import PageContext
from hall.kiosk.director import SystemAlert
from hall.kiosk.frames import changes
from hall.kiosk.rating import finished_ticket
from hall.kiosk.render import Memo, Rendered
from hall.live.feed import HallFeed
from hall.live.outbox import Outbox
from hall.live.wire import text_frame
from hall.queue.order import place

Fragment = tuple[str, bytes]  # changed fragments of a view: (HTML, websocket frame)
Clock = Callable[[], datetime]
_VIEW = re.compile(
    r"\A(wall|director|director-readonly|kiosk|window-([0-9]{1,3})"
    r"|ticket-(?:([0-9]{4}-[0-9]{2}-[0-9]{2})-)?([A-Z][0-9]{3,6})"
    r"|me-([a-z0-9-]{1,64}))\Z"
)
_COUNTER = re.compile(r"\A(rating|display)-([0-9]{1,3})\Z")  # a window's counter devices


@dataclass(frozen=True)
class Screen:
    """A parsed screen name: `wall`, `director`, `kiosk`, `window-N`,
    `ticket-YYYY-MM-DD-NUMBER` (a ticket of that day), `ticket-NUMBER` (today's), `me-STAFF`
    (one person's duty page: its own channel, so nobody's fragments reach another's page),
    `rating-N` and `display-N` (window N's rating pad and the display above its counter),
    `director-readonly` (the director's page without its buttons: a supervisor's)."""

    name: str
    page: str  # the template set: wall, director, kiosk, tablet, ticket, me, rating, display
    window: int | None = None
    ticket: str | None = None
    day: date | None = None  # a ticket's day; None: today's
    staff: str | None = None  # whose duty page
    readonly: bool = False  # the director's page as a supervisor sees it

    @classmethod
    def parse(cls, name: str) -> Screen | None:
        if counter := _COUNTER.match(name):
            return cls(name, counter[1], window=int(counter[2]))
        m = _VIEW.match(name)
        if m is None:
            return None
        if m[2]:
            return cls(name, "tablet", window=int(m[2]))
        if m[5]:
            return cls(name, "me", staff=m[5])
        if m[4]:
            try:
                day = date.fromisoformat(m[3]) if m[3] else None
            except ValueError:
                return None
            return cls(name, "ticket", ticket=m[4], day=day)
        if name == "director-readonly":
            return cls(name, "director", readonly=True)
        return cls(name, name)


def build_context(
    view: Screen,
    feed: HallFeed,
    lang: str,
    now: datetime,
    viewer: str | None = None,
    system: tuple[SystemAlert, ...] = (),
) -> PageContext:
    hall = feed.hall
    state = feed.public(now, detail=view.page in ("director", "tablet", "me"))  # else public
    if view.page == "wall":
        return wall_context(hall, state, list(feed.calls), lang, now)
    if view.page == "kiosk":
        return kiosk_context(hall, state, lang, now)
    if view.page == "director":
        return director_context(
            hall,
            state,
            list(feed.today.dicts()),
            lang,
            now,
            system=system,
            resolved=feed.alerts.resolved,
            readonly=view.readonly,
        )
    if view.page == "tablet":
        assert view.window is not None
        return tablet_context(hall, state, view.window, viewer, lang, now)
    if view.page == "me":
        assert view.staff is not None
        return me_context(hall, state, view.staff, lang, now)
    if view.page == "rating":
        assert view.window is not None
        return rating_context(hall, state, view.window, lang, now, finished=feed.state.finished)
    if view.page == "display":
        assert view.window is not None
        return display_context(hall, state, view.window, lang, now)
    assert view.ticket is not None
    minutes = feed.service_minutes()
    day = view.day or feed.state.day
    return ticket_context(
        hall,
        state,
        view.ticket,
        lang,
        now,
        service_minutes=minutes,
        day=day,
        today=feed.state.day,
        fate=feed.fates.get(view.ticket) if day == feed.state.day else None,
        place=place(feed.state, hall.windows, view.ticket) if day == feed.state.day else None,
        finished=finished_ticket(feed.state.finished, view.ticket)
        if day == feed.state.day
        else None,
    )


@dataclass
class Channel:
    view: Screen
    lang: str
    feed: HallFeed
    renderer: Renderer
    system: Callable[[str], tuple[SystemAlert, ...]]
    sockets: set[Outbox[Fragment]] = field(default_factory=set)
    # The last render: what every socket of this channel shows (frames are its changes).
    rendered: Rendered = field(default_factory=Rendered)
    version: str | None = None
    # The parts rendered last: a part whose values did not change is not rendered again.
    memo: Memo = field(default_factory=dict, repr=False)
    # The whole view of `fragments` (that very dict: each render makes a new one), framed.
    _whole: tuple[dict[str, str], bytes] | None = field(default=None, init=False, repr=False)

    @property
    def fragments(self) -> dict[str, str]:
        return self.rendered.fragments

    def render(self, now: datetime) -> Rendered:
        ctx = build_context(
            self.view, self.feed, self.lang, now, system=self.system(self.feed.hall.id)
        )
        self.version = self.feed.version
        self.rendered = self.renderer.render(self.view.page, ctx, self.memo)
        return self.rendered

    def whole(self, now: datetime) -> bytes:
        """The full view for a (re)connecting screen as a websocket frame (the HTML, kept once
        per channel, as UTF-8): cached per state version, so a reconnect storm renders and
        frames it once."""
        if self.version != self.feed.version or not self.fragments:
            self.render(now)
        if self._whole is None or self._whole[0] is not self.fragments:
            html = "".join(self.fragments.values())
            self._whole = (self.fragments, text_frame(html.encode()))
        return self._whole[1]

    def refresh(self, now: datetime) -> None:
        before = self.rendered
        changed = changes(before, self.render(now))
        if changed:
            self.feed.fanout.push(
                self.sockets, _view_delivery((changed, text_frame(changed.encode())))
            )


def _view_delivery(item: Fragment) -> Callable[[list[Outbox[Fragment]]], None]:
    frame = item[1]

    def deliver(boxes: list[Outbox[Fragment]]) -> None:
        for box in boxes:
            write = box.write
            if write is None:
                box.put(item)
            else:
                write(frame)

    return deliver


class Channels:
    """The screen channels of one hub, attached to each hall feed as it starts."""

    def __init__(
        self,
        renderer: Renderer,
        clock: Clock,
        system: Callable[[str], tuple[SystemAlert, ...]] = lambda hall: (),
    ) -> None:
        self.renderer = renderer
        self.clock = clock
        self.system = system  # hall -> catalog keys of alerts about the service itself
        self.channels: dict[tuple[str, str, str], Channel] = {}
        # The same channels by hall: a hall's batch renders its own, not a walk over all
        # (2,000 halls' walls on one hub made that walk 13 % of a loaded hub's CPU).
        self._of_hall: dict[str, dict[tuple[str, str, str], Channel]] = {}

    def attach(self, feed: HallFeed) -> None:
        feed.listeners.append(self._refresh)

    def channel(self, feed: HallFeed, view: Screen, lang: str) -> Channel:
        key = (feed.hall.id, view.name, lang)
        existing = self.channels.get(key)
        if existing is None:
            existing = self.channels[key] = Channel(view, lang, feed, self.renderer, self.system)
            self._of_hall.setdefault(feed.hall.id, {})[key] = existing
        return existing

    def leave(self, channel: Channel, outbox: Outbox[Fragment]) -> None:
        channel.sockets.discard(outbox)
        if not channel.sockets:
            hall = channel.feed.hall.id
            key = (hall, channel.view.name, channel.lang)
            if self.channels.get(key) is channel:
                del self.channels[key]
                of_hall = self._of_hall[hall]
                del of_hall[key]
                if not of_hall:
                    del self._of_hall[hall]

    def refresh_hall(self, hall: str) -> None:
        """Re-render the hall's views now (not after an event: e.g. its log was lost)."""
        for feed in self._render(hall):
            feed.fanout.run_now()

    def _render(self, hall: str) -> set[HallFeed]:
        now = self.clock()
        feeds: set[HallFeed] = set()
        for channel in list(self._of_hall.get(hall, {}).values()):
            if channel.sockets:
                channel.refresh(now)
                feeds.add(channel.feed)
        return feeds

    def _refresh(self, feed: HallFeed) -> None:
        self._render(feed.hall.id)  # delivered by the feed after its listeners
        metrics.VIEW_CHANNELS.set(len(self.channels))
