"""This hub's live halls: one stream tail for all of them, a feed per hall with followers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

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


class Live:
    def __init__(
        self, halls: dict[str, HallConfig], store: Store, load: Loader, redis_url: str
    ) -> None:
        self.halls = halls
        self.store = store
        self.load = load
        self.feeds: dict[str, HallFeed] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.tail = StreamTail(redis_url, self._on_events)
        self.on_new_feed: list[Callable[[HallFeed], None]] = []

    @property
    def healthy(self) -> bool:
        return self.tail.healthy

    async def run(self) -> None:
        await self.tail.run()

    async def feed(self, hall: str) -> HallFeed:
        """The hall's live feed, started from its snapshot on first use."""
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
                # From the snapshot's version: the events after it come through the tail.
                self.tail.add(hall, version)
        return self.feeds[hall]

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
