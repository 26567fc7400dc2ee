"""Today's events as a hub keeps them for the screens that show the day's history.

Every followed hall keeps up to `RECENT` of them; a hub follows thousands of halls, and a
busy day has hundreds of events each. They are kept as the decoded events (a third of the
memory of their JSON-ready dicts); the dicts are kept only for a hall whose director board
asks for them, from then on (a ticket page's estimate makes those of a few types, once per
version: `HallFeed.service_minutes`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

import msgspec

from hall.core import AnyEvent, event_type

RECENT = 2000  # events kept for screens that show today's history (director, wait estimates)


def as_dict(event_id: str, event: AnyEvent) -> dict[str, Any]:
    """An event as the screens read it: its JSON-ready fields and its stream id."""
    return {"id": event_id, **msgspec.to_builtins(event)}


class Today:
    __slots__ = ("_dicts", "_events")

    def __init__(self) -> None:
        self._events: deque[tuple[str, AnyEvent]] = deque(maxlen=RECENT)
        self._dicts: deque[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self._events)

    def append(self, event_id: str, event: AnyEvent) -> None:
        self._events.append((event_id, event))
        if self._dicts is not None:
            self._dicts.append(as_dict(event_id, event))

    def clear(self) -> None:
        self._events.clear()
        self._dicts = None

    def of(self, kinds: frozenset[str]) -> Iterator[dict[str, Any]]:
        """The events of these types, oldest first, as dicts (made now, not kept)."""
        if self._dicts is not None:
            return (d for d in self._dicts if d["type"] in kinds)
        return (as_dict(i, e) for i, e in self._events if event_type(e) in kinds)

    def dicts(self) -> deque[dict[str, Any]]:
        """The events as JSON-ready dicts with their ids, oldest first."""
        if self._dicts is None:
            self._dicts = deque((as_dict(i, e) for i, e in self._events), maxlen=RECENT)
        return self._dicts
