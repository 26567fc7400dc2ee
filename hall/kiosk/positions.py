"""A ticket in the public state, and a rough wait estimate. Where a ticket stands (the
people ahead, the windows that may call it) is the queue's to say: `hall.queue.order`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

DEFAULT_SERVICE_MINUTES = 8.0  # used until today has finished tickets to average
_ATTENDED = ("staffed", "covered", "extended")


def find_ticket(state: Mapping[str, Any], number: str) -> Mapping[str, Any] | None:
    for ticket in state.get("queue", []):
        if ticket.get("number") == number:
            found: Mapping[str, Any] = ticket
            return found
    return None


def wait_minutes(
    state: Mapping[str, Any], windows: list[int], ahead: int, service_minutes: float | None
) -> int:
    """Residents ahead times the average service time, shared by the attended windows."""
    per = service_minutes if service_minutes and service_minutes > 0 else DEFAULT_SERVICE_MINUTES
    attended = sum(
        1
        for w in state.get("windows", [])
        if w.get("number") in windows and w.get("status") in _ATTENDED
    )
    return math.ceil(ahead * per / max(1, attended))
