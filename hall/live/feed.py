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
        self.listeners: list[Callable[[HallFeed, list[tuple[str, AnyEvent]]], None]] = []
        self.recent: deque[tuple[str, AnyEvent]] = deque(maxlen=RECENT)

    def snapshot_frame(self, now: datetime) -> str:
        body = {
            "type": "snapshot",
            "state": public_state(self.hall, self.state, now, self.version),
            "last_event_id": self.version,
        }
        return _encoder.encode(body).decode()

    def public(self, now: datetime) -> dict[str, Any]:
        return public_state(self.hall, self.state, now, self.version)

    def apply(self, batch: list[tuple[str, bytes]]) -> None:
        last = ids.key(self.version)
        applied: list[tuple[str, AnyEvent]] = []
        for event_id, data in batch:
            k = ids.key(event_id)
            if k <= last:
                continue  # already folded in (the snapshot we started from included it)
            event = decode_event(data)
            self.state = evolve(self.state, event)
            self.version, last = event_id, k
            applied.append((event_id, event))
            frame = (k, with_id(event_id, data).decode())
            for sub in self.subscribers:
                sub.put(frame)
        if not applied:
            return
        self.recent.extend(applied)
        metrics.FANOUT_LAG.observe(max(0.0, time.time() - last[0] / 1000))
        for listener in self.listeners:
            listener(self, applied)
