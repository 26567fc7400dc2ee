"""Days for the records' tests: steps played through the core by the `Day` driver, and the
day's log with stream ids as the archive gives it."""

from __future__ import annotations

from typing import Any

from hall.core.model import RecordStatus
from hall.records.leave import leave_spans
from hall.records.ledger import DayLedger, Logged, fold_day

from .day import Day, at, plain

Step = tuple[str, str, str, dict[str, Any]]  # (when, who, command type, fields)


def logged(d: Day) -> list[Logged]:
    """The day's log with stream ids, as the archive gives it (one id per event, in order)."""
    return [(f"{1000 + n}-0", event) for n, event in enumerate(d.log)]


def ids_of(d: Day, kind: str, window: int | None = None) -> list[str]:
    return [
        stream_id
        for stream_id, event in logged(d)
        if plain(event)["type"] == kind
        and (window is None or getattr(event, "window", 0) == window)
    ]


def ledger(
    d: Day, statuses: dict[str, RecordStatus] | None = None, until: str | None = None
) -> DayLedger:
    events = logged(d)
    cut = d.now(until) if until else None
    return fold_day(d.hall, d.day, events, statuses=statuses, leaves=leave_spans(events), until=cut)


def play(steps: list[Step], end: str = "18:00") -> Day:
    d = Day()
    for when, who, kind, fields in steps:
        d.do(when, who, kind, **fields)
    d.tick(end)
    return d


def present(when: str, n: int = 1) -> Step:
    return (when, f"a{n}", "presence.set", {"window": n, "post": "A", "state": "present"})


def away(when: str, n: int = 1, reason: str = "break") -> Step:
    return (
        when,
        f"a{n}",
        "presence.set",
        {"window": n, "post": "A", "state": "away", "reason": reason},
    )


def cover(when: str, n: int = 1) -> Step:
    return (when, f"b{n}", "cover.start", {"window": n})


def issue(when: str, service: str = "A") -> Step:
    return (when, "kiosk", "ticket.issue", {"service": service})


def desk(when: str, what: str, n: int = 1, **fields: Any) -> Step:
    return (when, f"a{n}", f"ticket.{what}", {"window": n, **fields})


def leave(kind: str, start: str, until: str) -> Step:
    fields = {"staff": "a1", "kind": kind, "from": at(start).isoformat()}
    return ("07:00", "boss", "leave.register", {**fields, "until": at(until).isoformat()})
