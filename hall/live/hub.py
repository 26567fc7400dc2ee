"""This hub's live halls: one stream tail for all of them, a feed per hall with followers."""

from __future__ import annotations

import asyncio

from hall.engine import Engine
from hall.live.feed import HallFeed
from hall.store.reader import StreamTail
from hall.store.store import StoredEvent


class Live:
    def __init__(self, engine: Engine, redis_url: str) -> None:
        self.engine = engine
        self.feeds: dict[str, HallFeed] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.tail = StreamTail(redis_url, self._on_events)

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
                state, version = await self.engine.current(hall)
                self.feeds[hall] = HallFeed(self.engine.halls[hall], state, version)
                # From the snapshot's version: the events after it come through the tail.
                self.tail.add(hall, version)
        return self.feeds[hall]

    async def _on_events(self, hall: str, events: list[StoredEvent]) -> None:
        feed = self.feeds.get(hall)
        if feed is not None:
            feed.apply(events)
