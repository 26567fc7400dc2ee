"""A ticket in the public state, and a rough wait estimate. Where a ticket stands (the
people ahead, the windows that may call it) is the queue's to say: `hall.queue.order`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

DEFAULT_SERVICE_MINUTES = 8.0  # used until today has finished tickets to average
_SERVES = ("staffed", "covered")  # who can call a ticket now: the A-post, or B covering


def serving_windows(state: Mapping[str, Any]) -> frozenset[int]:
    """The windows that can call a ticket now: open (or extended) with their A-post present
    or B covering. An away, uncovered or unstaffed window calls nobody until someone is back."""
    return frozenset(
        int(w["number"])
        for w in state.get("windows", [])
        if w.get("status") != "closed" and w.get("serving_status", w.get("status")) in _SERVES
    )


def find_ticket(state: Mapping[str, Any], number: str) -> Mapping[str, Any] | None:
    for ticket in state.get("queue", []):
        if ticket.get("number") == number:
            found: Mapping[str, Any] = ticket
            return found
    return None


def wait_minutes(
    state: Mapping[str, Any], windows: list[int], ahead: int, service_minutes: float | None
) -> int:
    """Residents ahead times the average service time, shared by those of `windows` that
    serve now (counted as one when none does)."""
    per = service_minutes if service_minutes and service_minutes > 0 else DEFAULT_SERVICE_MINUTES
    attended = len(serving_windows(state) & set(windows))
    return math.ceil(ahead * per / max(1, attended))
