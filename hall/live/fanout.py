"""One hall's deliveries, in order, in slices: the fan-out of an event to thousands of sockets
yields to the event loop every `SLICE` sockets, so that command answers (and the ticker,
and new sockets' handshakes) are not held up behind it.

A delivery is a list of sockets (taken when the event was applied: a socket that joins
later catches up by itself) and what to do for a slice of them. Deliveries run one after
the other, so each socket gets its frames in order; one interrupted (cancelled at a yield)
resumes where it stopped on the next run."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

S = TypeVar("S")
# Sockets served between two yields to the event loop: ~0.7 ms of writes at ~7 µs each, so a
# command in flight waits at most that long per step (it needs a few: HTTP, Redis, answer).
SLICE = 100


class Fanout:
    def __init__(self, slice_: int = SLICE) -> None:
        self.slice = slice_
        self._jobs: deque[tuple[list[Any], Callable[[list[Any]], None]]] = deque()
        self._next = 0  # position in the first job
        self._running = False

    def push(self, sockets: Iterable[S], deliver: Callable[[list[S]], None]) -> None:
        targets = list(sockets)
        if targets:
            self._jobs.append((targets, deliver))

    def __len__(self) -> int:
        return len(self._jobs)

    async def run(self) -> None:
        """Deliver everything pushed, yielding every `slice` sockets. If a run is already
        going (suspended at a yield), it delivers what was pushed since: return at once."""
        if self._running:
            return
        self._running = True
        try:
            budget = self.slice
            while self._jobs:
                targets, deliver = self._jobs[0]
                while self._next < len(targets):
                    if budget <= 0:
                        await asyncio.sleep(0)
                        budget = self.slice
                    end = min(len(targets), self._next + budget)
                    deliver(targets[self._next : end])
                    budget -= end - self._next
                    self._next = end
                self._jobs.popleft()
                self._next = 0
        finally:
            self._running = False

    def run_now(self) -> None:
        """Deliver everything pushed without yielding (for callers that cannot await),
        unless a run is suspended: it delivers the rest, in order."""
        if self._running:
            return
        while self._jobs:
            targets, deliver = self._jobs.popleft()
            deliver(targets[self._next :])
            self._next = 0
