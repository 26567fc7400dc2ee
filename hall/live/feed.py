"""One hall as this hub sees it live: its state kept by `evolve` from the stream, and the
sockets that follow it.

Each event is encoded once: its JSON text (for sockets served through ASGI) and its
websocket frame (written as is to every caught-up socket's transport; a batch of events
goes to such a socket in one write)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from hall import metrics
from hall.config import HallConfig
from hall.core import AnyEvent, State, decode_event, event_type, evolve
from hall.core.alertbook import AlertBook
from hall.core.alerts import current
from hall.core.events import DayStarted
from hall.core.public import public_state
from hall.kiosk.calls import CALL_LOG_TYPES
from hall.kiosk.counters import average_service_minutes
from hall.live.fanout import Fanout
from hall.live.outbox import Outbox
from hall.live.today import Today, as_dict
from hall.live.wire import text_frame
from hall.queue.fates import FATE_TYPES, Fate, fate_of
from hall.store import ids
from hall.store.store import with_id

Frame = tuple[tuple[int, int], str, bytes]  # the events websocket's (stream id, text, frame)
# The wall's calls and what ended them (its last six calls need at most 5 events each:
# the call, up to 3 recalls, the ending).
CALLS = 48

SERVICE_TYPES = frozenset({"ticket.called", "ticket.finished"})

_encoder = msgspec.json.Encoder()


class HallFeed:
    def __init__(self, hall: HallConfig, state: State, version: str) -> None:
        self.hall = hall
        self.state = state
        self.version = version
        self.subscribers: set[Outbox[Frame]] = set()
        # Called once per batch after the state moved on (the view channels render here).
        self.listeners: list[Callable[[HallFeed], None]] = []
        # Deliveries to this hall's sockets (events and view channels), in order, in slices.
        self.fanout = Fanout()
        # Today's events (the director's counters and timeline, wait estimates); bounded,
        # and restarted by `day.started`. The wall's last calls and their endings, as dicts.
        self.today = Today()
        self.calls: deque[dict[str, Any]] = deque(maxlen=CALLS)
        # Today's tickets that left the queue: number -> how (the resident's page says so).
        self.fates: dict[str, Fate] = {}
        # The director's alerts as they come and go today (the history of resolved ones).
        self.alerts = AlertBook()
        self._public: dict[bool, tuple[str, dict[str, Any]]] = {}
        self._snapshot: tuple[str, str, bytes] | None = None
        self._service: tuple[str, float | None] | None = None

    def reconfigure(self, hall: HallConfig) -> None:
        """A new hall file: what was built from the old one (per version) is built again."""
        self.hall = hall
        self._public.clear()
        self._snapshot = None

    def snapshot_frame(self, now: datetime) -> tuple[str, bytes]:
        """The events socket's first frame, as text and as a websocket frame; encoded once
        per version (reconnect storms)."""
        if self._snapshot is None or self._snapshot[0] != self.version:
            body = {
                "type": "snapshot",
                "state": self.public(now),
                "last_event_id": self.version,
            }
            data = _encoder.encode(body)
            self._snapshot = (self.version, data.decode(), text_frame(data))
        return self._snapshot[1], self._snapshot[2]

    def public(self, now: datetime, *, detail: bool = True) -> dict[str, Any]:
        """The state as the contract shows it, built once per version and shared by every
        view: with the staff's detail (tablets, director, log readers) or without (public
        screens, anonymous readers; see `hall.core.public`)."""
        built = self._public.get(detail)
        if built is None or built[0] != self.version:
            view = public_state(self.hall, self.state, now, self.version, detail=detail)
            built = self._public[detail] = (self.version, view)
        return built[1]

    def service_minutes(self) -> float | None:
        """Mean minutes from a ticket's last call to its finish today (the ticket pages' wait
        estimates), worked out once per version."""
        if self._service is None or self._service[0] != self.version:
            calls = self.today.of(SERVICE_TYPES)
            self._service = (self.version, average_service_minutes(calls))
        return self._service[1]

    def remember(self, event_id: str, event: AnyEvent) -> None:
        if isinstance(event, DayStarted):
            self.today.clear()
            self.calls.clear()
            self.fates.clear()
            self.alerts.clear()
        self.today.append(event_id, event)
        kind = event_type(event)
        if kind in CALL_LOG_TYPES:
            self.calls.append(as_dict(event_id, event))
        if kind in FATE_TYPES and (fate := fate_of(as_dict(event_id, event))) is not None:
            self.fates[fate[0]] = fate[1]

    async def apply(self, batch: list[tuple[str, bytes]]) -> None:
        """Fold a batch of stream entries in, then deliver it to the sockets (yielding to
        the event loop between slices of sockets)."""
        self.advance(batch)
        await self.fanout.run()

    def advance(self, batch: list[tuple[str, bytes]]) -> None:
        """Fold a batch in and queue its deliveries: the events socket's frames, then (by the
        listeners) the views' changed fragments. No await between the new state and the
        deliveries' lists of sockets: a socket that joins later starts from the new state."""
        last = ids.key(self.version)
        frames: list[Frame] = []
        event: AnyEvent | None = None
        for event_id, data in batch:
            k = ids.key(event_id)
            if k <= last:
                continue  # already folded in (the snapshot we started from included it)
            event = decode_event(data)
            self.state = evolve(self.state, event)
            self.version, last = event_id, k
            self.remember(event_id, event)
            body = with_id(event_id, data)
            frames.append((k, body.decode(), text_frame(body)))
        if event is None:
            return
        self.alerts.update(current(self.hall, self.state), event.at)
        self.fanout.push(self.subscribers, _events_delivery(frames))
        metrics.FANOUT_LAG.observe(max(0.0, time.time() - last[0] / 1000))
        for listener in self.listeners:
            listener(self)


def _events_delivery(frames: list[Frame]) -> Callable[[list[Outbox[Frame]]], None]:
    """Per socket: the frames it has not had yet, in one write when it is caught up."""
    first, final = frames[0][0], frames[-1][0]
    joined = b"".join(frame for _, _, frame in frames)

    def deliver(boxes: list[Outbox[Frame]]) -> None:
        for box in boxes:
            write = box.write
            if write is None:
                for frame in frames:
                    box.put(frame)
            elif box.last < first:
                write(joined)
                box.last = final
            elif box.last < final:  # its catch-up read some of these from the log already
                write(b"".join(f for k, _, f in frames if k > box.last))
                box.last = final

    return deliver
