"""Today's figures for the director, computed from the day's events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.kiosk.times import parse_at


@dataclass(frozen=True, slots=True)
class DayCounts:
    issued: int = 0
    served: int = 0
    no_shows: int = 0
    avg_wait_minutes: float | None = None  # issue to first call
    avg_service_minutes: float | None = None  # last call to finish
    absences: int = 0
    late: int = 0  # absences left uncovered past cover_after (Art. 17(1))
    late_arrivals: int = 0  # arrival.late (Art. 13(9))
    extended_minutes: float = 0.0
    avg_rating: float | None = None
    ratings: int = 0


def count_day(events: Iterable[Mapping[str, Any]]) -> DayCounts:
    issued = served = no_shows = absences = late = late_arrivals = 0
    extended = 0.0
    first_call: dict[str, datetime] = {}
    last_call: dict[str, datetime] = {}
    waits: list[float] = []
    services: list[float] = []
    scores: list[int] = []
    for event in events:
        kind = event.get("type")
        at = parse_at(event.get("at"))
        number = _ticket_number(event)
        if kind == "ticket.issued":
            issued += 1
        elif kind == "ticket.called" and at is not None:
            last_call[number] = at
            if number not in first_call:
                first_call[number] = at
                issued_at = parse_at((event.get("ticket") or {}).get("issued_at"))
                if issued_at is not None:
                    waits.append((at - issued_at).total_seconds() / 60)
        elif kind == "ticket.finished":
            served += 1
            called = last_call.get(number)
            if called is not None and at is not None:
                services.append((at - called).total_seconds() / 60)
        elif kind == "ticket.no_show":
            no_shows += 1
        elif kind == "absence.recorded":
            absences += 1
            late += bool(event.get("late"))
        elif kind == "arrival.late":
            late_arrivals += 1
        elif kind == "window.closed":
            extended += float(event.get("extended_minutes") or 0)
        elif kind == "rating.given":
            scores.append(int(event.get("score") or 0))
    return DayCounts(
        issued=issued,
        served=served,
        no_shows=no_shows,
        avg_wait_minutes=_mean(waits),
        avg_service_minutes=_mean(services),
        absences=absences,
        late=late,
        late_arrivals=late_arrivals,
        extended_minutes=round(extended, 1),
        avg_rating=_mean([float(s) for s in scores]),
        ratings=len(scores),
    )


def average_service_minutes(events: Iterable[Mapping[str, Any]]) -> float | None:
    """Mean minutes from a ticket's last call to its finish today (for wait estimates)."""
    return count_day(events).avg_service_minutes


def _ticket_number(event: Mapping[str, Any]) -> str:
    ticket = event.get("ticket")
    return str(ticket.get("number", "")) if isinstance(ticket, Mapping) else ""


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None
