"""A socket's bounded outbox. The fan-out never awaits a socket: it drops frames here, and
each socket's own sender writes them out. A socket that falls `limit` frames behind is
marked overflowed and closed with 1013 (try again later): it reconnects and resyncs."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Outbox(Generic[T]):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.overflowed = False
        self._items: deque[T] = deque()
        self._ready = asyncio.Event()

    def put(self, item: T) -> None:
        if self.overflowed:
            return
        if len(self._items) >= self.limit:
            self.overflowed = True
            self._items.clear()
        else:
            self._items.append(item)
        self._ready.set()

    async def take(self) -> list[T]:
        """Everything queued, at least one item (or nothing once overflowed)."""
        while not self._items and not self.overflowed:
            self._ready.clear()
            await self._ready.wait()
        items = list(self._items)
        self._items.clear()
        return items

    def __len__(self) -> int:
        return len(self._items)
