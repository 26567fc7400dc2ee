"""Where a ticket stands in the queue, and a rough wait estimate, from the public state."""

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


def windows_for(state: Mapping[str, Any], ticket: Mapping[str, Any]) -> list[int]:
    """The windows that may call `ticket`: its transfer target, else those of its service."""
    if ticket.get("window") is not None:
        return [int(ticket["window"])]
    service = ticket.get("service")
    return [int(w["number"]) for w in state.get("windows", []) if service in w.get("services", [])]


def people_ahead(state: Mapping[str, Any], number: str) -> int | None:
    """Waiting tickets before `number` in call order that the same windows may call;
    None when `number` is not waiting."""
    ticket = find_ticket(state, number)
    if ticket is None or ticket.get("status") != "waiting":
        return None
    mine = set(windows_for(state, ticket))
    ahead = 0
    for other in state.get("queue", []):
        if other.get("number") == number:
            break
        if other.get("status") == "waiting" and mine & set(windows_for(state, other)):
            ahead += 1
    return ahead


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
