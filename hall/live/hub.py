"""This hub's live halls: one stream tail for all of them, a feed per hall with followers.

A hub follows only the halls it serves: a hall's feed starts (and its stream is tailed) when
a page or socket of it first needs it, and while any socket holds it (`hold`, `release`,
or `following`); once the last has left it lingers `linger` seconds, then its feed goes
and the tail stops reading it. The linger spares a screen that reconnects (a page load
opens its socket within a second; a dropped socket comes back within 3 s) the rebuild of
the feed: a snapshot read and a fold of the day's events. With 2,000 halls configured and
200 watched, the tail reads 200 streams and holds 200 feeds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio

from hall import metrics
from hall.config import HallConfig
from hall.core import State, decode_event, evolve, initial_state
from hall.core.alerts import current
from hall.live.feed import HallFeed
from hall.schedule import day_start
from hall.store import ids
from hall.store.reader import StreamTail
from hall.store.store import Store, StoredEvent

# The hall's state and its version, as the write path knows it (`Engine.current`: it also
# notices a Redis that lost data). Given, not imported: live does not reach into the engine.
Loader = Callable[[str], Awaitable[tuple[State, str]]]


LINGER = 30.0  # seconds a hall's feed outlives its last socket


class Live:
    def __init__(
        self,
        halls: dict[str, HallConfig],
        store: Store,
        load: Loader,
        redis_url: str,
        *,
        linger: float = LINGER,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.halls = halls
        self.store = store
        self.load = load
        self.linger = linger
        self.monotonic = monotonic
        self.feeds: dict[str, HallFeed] = {}
        self.holders: dict[str, int] = {}  # hall -> sockets (and other followers) holding it
        self._idle: dict[str, float] = {}  # hall with a feed and no holder -> since when
        self._locks: dict[str, asyncio.Lock] = {}
        self.tail = StreamTail(redis_url, self._on_events)
        self.on_new_feed: list[Callable[[HallFeed], None]] = []

    @property
    def healthy(self) -> bool:
        return self.tail.healthy

    async def run(self) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.tail.run)
            while True:
                await anyio.sleep(max(0.05, min(1.0, self.linger / 4)))
                self.drop_idle()

    async def feed(self, hall: str) -> HallFeed:
        """The hall's live feed, started from its snapshot on first use (a page rendered
        from it; its socket then holds it). Without a holder it lingers, then goes."""
        existing = self.feeds.get(hall)
        if existing is not None:
            return existing
        lock = self._locks.setdefault(hall, asyncio.Lock())
        async with lock:
            if hall not in self.feeds:
                state, version = await self.load(hall)
                feed = HallFeed(self.halls[hall], state, version)
                await self._load_today(feed)
                for attach in self.on_new_feed:
                    attach(feed)
                self.feeds[hall] = feed
                if not self.holders.get(hall):
                    self._idle[hall] = self.monotonic()
                # From the snapshot's version: the events after it come through the tail.
                self.tail.add(hall, version)
                metrics.TAILED_HALLS.set(len(self.feeds))
        self._locks.pop(hall, None)
        return self.feeds[hall]

    async def hold(self, hall: str) -> HallFeed:
        """The hall's feed, kept (and its stream tailed) until `release`."""
        feed = await self.feed(hall)
        self.holders[hall] = self.holders.get(hall, 0) + 1
        self._idle.pop(hall, None)
        return feed

    def release(self, hall: str) -> None:
        left = self.holders.get(hall, 0) - 1
        if left > 0:
            self.holders[hall] = left
            return
        self.holders.pop(hall, None)
        if hall in self.feeds:
            self._idle[hall] = self.monotonic()

    @asynccontextmanager
    async def following(self, hall: str) -> AsyncIterator[HallFeed]:
        """Hold the hall's feed for the block (e.g. a screen that shows several halls)."""
        feed = await self.hold(hall)
        try:
            yield feed
        finally:
            self.release(hall)

    def drop_idle(self) -> list[str]:
        """Stop following the halls nobody has held for `linger` seconds."""
        now = self.monotonic()
        gone = [hall for hall, since in self._idle.items() if now - since >= self.linger]
        for hall in gone:
            del self._idle[hall]
            if self.holders.get(hall) or self._locks.get(hall) is not None:
                continue  # held again meanwhile, or being started
            self.feeds.pop(hall, None)
            self.tail.remove(hall)
        if gone:
            metrics.TAILED_HALLS.set(len(self.feeds))
        return gone

    def reconfigured(self, hall: HallConfig) -> HallFeed | None:
        """A new hall file for a hall this hub follows: its screens render from it now."""
        feed = self.feeds.get(hall.id)
        if feed is not None:
            feed.reconfigure(hall)
        return feed

    async def _load_today(self, feed: HallFeed) -> None:
        """Today's events up to the snapshot, for screens that show the day so far; folded
        again from the start of the day, to see the director's alerts come and go."""
        if feed.state.day is None:
            return
        start_ms = int(day_start(feed.hall, feed.state.day).timestamp() * 1000)
        cursor, until = f"{start_ms - 1}-{2**64 - 1}", ids.key(feed.version)
        replay = initial_state(feed.hall)
        while True:
            page = await self.store.read(feed.hall.id, cursor, 1000)
            for event_id, data in page:
                if ids.key(event_id) > until:
                    return
                event = decode_event(data)
                feed.remember(event_id, event)
                replay = evolve(replay, event)
                feed.alerts.update(current(feed.hall, replay), event.at)
            if len(page) < 1000:
                return
            cursor = page[-1][0]

    async def _on_events(self, hall: str, events: list[StoredEvent]) -> None:
        feed = self.feeds.get(hall)
        if feed is not None:
            await feed.apply(events)
