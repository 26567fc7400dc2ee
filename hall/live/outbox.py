"""A socket's bounded outbox. The fan-out never awaits a socket: it writes a frame straight to
the socket's transport when the socket is caught up (`direct`), or else drops it here, and
the socket's own task writes it out. A socket that falls `limit` frames behind is marked
overflowed and closed with 1013 (try again later): it reconnects and resyncs."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

from hall.live.wire import RawSocket

T = TypeVar("T")


class Outbox(Generic[T]):
    __slots__ = ("_items", "_waiter", "last", "limit", "live", "overflowed", "raw")

    def __init__(self, limit: int, raw: RawSocket | None = None) -> None:
        self.limit = limit
        self.overflowed = False
        self.raw = raw  # the socket's transport, when the server offers it
        self.live = False  # caught up: its task waits here, direct writes may start
        self.last = (0, 0)  # the events socket: id of the last frame sent (dedupe by id)
        self._items: list[T] = []
        self._waiter: asyncio.Future[None] | None = None

    def put(self, item: T) -> None:
        if self.overflowed:
            return
        if len(self._items) >= self.limit:
            self.overflowed = True
            self._items.clear()
            self.wake()
        else:
            self._items.append(item)
            if len(self._items) == 1:
                self.wake()

    def direct(self) -> RawSocket | None:
        """The transport to write to now, in order with everything sent before: only when
        this socket is live, nothing waits here (so its task is idle) and the transport
        takes data."""
        raw = self.raw
        if raw is None or not self.live or self._items or not raw.hall_writable():
            return None
        return raw

    def wake(self) -> None:
        """Wake the socket's task (something queued, the client or the transport moved)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self) -> None:
        """Until `wake` (the caller checks again what it waits for)."""
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        try:
            await waiter
        finally:
            self._waiter = None

    def take_now(self) -> list[T]:
        items, self._items = self._items, []
        return items

    async def take(self) -> list[T]:
        """Everything queued, at least one item (or nothing once overflowed)."""
        while not self._items and not self.overflowed:
            await self.wait()
        return self.take_now()

    def __len__(self) -> int:
        return len(self._items)
