"""Registered leave as it ran (请假、公出、培训), from the hall's leave events: what the
ledger counts a clerk's leave minutes from. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hall.core import events as ev
from hall.core.events import AnyEvent
from hall.core.model import LeaveKind

LEAVE_TYPES = ("leave.registered", "leave.started", "leave.ended")


@dataclass(frozen=True)
class LeaveSpan:
    """A registered leave as it ran: from its `leave.started` to its `leave.ended` (None:
    still running)."""

    leave: str
    staff: str
    kind: LeaveKind
    start: datetime
    end: datetime | None


def leave_spans(events: Iterable[tuple[str, AnyEvent]]) -> list[LeaveSpan]:
    """The leave spans of a hall's leave events (`LEAVE_TYPES`, in log order), by start.
    A leave whose registration is not among them counts as kind `other`."""
    kinds: dict[str, LeaveKind] = {}
    running: dict[str, tuple[str, datetime]] = {}
    spans: list[LeaveSpan] = []
    for _, e in events:
        if isinstance(e, ev.LeaveRegistered):
            kinds[e.leave] = e.kind
        elif isinstance(e, ev.LeaveStarted):
            running[e.leave] = (e.staff, e.at)
        elif isinstance(e, ev.LeaveEnded) and e.leave in running:
            staff, start = running.pop(e.leave)
            spans.append(LeaveSpan(e.leave, staff, kinds.get(e.leave, "other"), start, e.at))
    for leave, (staff, start) in running.items():
        spans.append(LeaveSpan(leave, staff, kinds.get(leave, "other"), start, None))
    return sorted(spans, key=lambda s: (s.start, s.leave))
