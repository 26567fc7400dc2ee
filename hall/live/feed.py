"""One hall as this hub sees it live: its state kept by `evolve` from the stream, and the
sockets that follow it."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from hall import metrics
from hall.config import HallConfig
from hall.core import AnyEvent, State, decode_event, evolve
from hall.core.events import DayStarted
from hall.core.view import public_state
from hall.live import ids
from hall.live.outbox import Outbox
from hall.store.store import with_id

Frame = tuple[tuple[int, int], str]  # (stream id, text) for the events websocket
RECENT = 2000  # events kept for screens that show today's history (director, last calls)

_encoder = msgspec.json.Encoder()


class HallFeed:
    def __init__(self, hall: HallConfig, state: State, version: str) -> None:
        self.hall = hall
        self.state = state
        self.version = version
        self.subscribers: set[Outbox[Frame]] = set()
        # Called once per batch after the state moved on (the view channels render here).
        self.listeners: list[Callable[[HallFeed], None]] = []
        # Today's events as JSON-ready dicts with their ids (the director's counters and
        # timeline, the wall's last calls); bounded, and restarted by `day.started`.
        self.today: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self._public: tuple[str, dict[str, Any]] | None = None
        self._snapshot: tuple[str, str] | None = None

    def snapshot_frame(self, now: datetime) -> str:
        """The events socket's first frame; encoded once per version (reconnect storms)."""
        if self._snapshot is None or self._snapshot[0] != self.version:
            body = {
                "type": "snapshot",
                "state": self.public(now),
                "last_event_id": self.version,
            }
            self._snapshot = (self.version, _encoder.encode(body).decode())
        return self._snapshot[1]

    def public(self, now: datetime) -> dict[str, Any]:
        """The public state, built once per version and shared by every view."""
        if self._public is None or self._public[0] != self.version:
            self._public = (self.version, public_state(self.hall, self.state, now, self.version))
        return self._public[1]

    def remember(self, event_id: str, event: AnyEvent) -> None:
        if isinstance(event, DayStarted):
            self.today.clear()
        self.today.append({"id": event_id, **msgspec.to_builtins(event)})

    def apply(self, batch: list[tuple[str, bytes]]) -> None:
        last = ids.key(self.version)
        applied = 0
        for event_id, data in batch:
            k = ids.key(event_id)
            if k <= last:
                continue  # already folded in (the snapshot we started from included it)
            event = decode_event(data)
            self.state = evolve(self.state, event)
            self.version, last = event_id, k
            self.remember(event_id, event)
            applied += 1
            frame = (k, with_id(event_id, data).decode())
            for sub in self.subscribers:
                sub.put(frame)
        if not applied:
            return
        metrics.FANOUT_LAG.observe(max(0.0, time.time() - last[0] / 1000))
        for listener in self.listeners:
            listener(self)
