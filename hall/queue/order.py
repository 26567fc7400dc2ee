"""Which ticket comes next, and how many wait, for a window or the hall."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from hall.config import Window
from hall.core.model import State, Ticket


def ticket_number(service: str, n: int) -> str:
    """A001 ... A999, then A1000: numbers count per service per day."""
    return f"{service}{n:03d}"


def next_number(state: State, service: str) -> str:
    return ticket_number(service, state.numbers.get(service, 0) + 1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _hall_key(t: Ticket) -> tuple[int, datetime, int, datetime]:
    # Transferred tickets keep the resident's place: they go before everything else.
    if t.transferred_at is not None:
        return (0, t.transferred_at, 0, t.issued_at)
    return (1, _EPOCH, 0 if t.priority else 1, t.issued_at)


def _sorted(tickets: Iterable[Ticket]) -> list[Ticket]:
    # The state keeps tickets in issue order and sorted() is stable, so ties keep it too.
    return sorted(tickets, key=_hall_key)


def eligible(state: State, window: Window) -> list[Ticket]:
    """The tickets this window may call, best first."""
    return _sorted(
        t
        for t in state.tickets
        if t.status == "waiting"
        and (t.window == window.number or (t.window is None and t.service in window.services))
    )


def next_for(state: State, window: Window) -> Ticket | None:
    """eligible(state, window)[0] in one pass (the hot path of `ticket.call`)."""
    transferred: Ticket | None = None
    handed_at = _EPOCH
    priority: Ticket | None = None
    oldest: Ticket | None = None
    for t in state.tickets:
        if t.status != "waiting":
            continue
        if t.window == window.number and t.transferred_at is not None:
            if transferred is None or t.transferred_at < handed_at:
                transferred, handed_at = t, t.transferred_at
        elif t.window is None and t.service in window.services:
            if t.priority and priority is None:
                priority = t
            if oldest is None:
                oldest = t
    return transferred or priority or oldest


def waiting_for(state: State, window: Window) -> int:
    return sum(
        1
        for t in state.tickets
        if t.status == "waiting"
        and (t.window == window.number or (t.window is None and t.service in window.services))
    )


def serving(state: State, window: int) -> Ticket | None:
    for t in state.tickets:
        if t.status == "called" and t.window == window:
            return t
    return None


def hall_queue(state: State) -> list[Ticket]:
    """Called tickets first (by call time), then waiting ones in hall-wide call order."""
    called = sorted(
        (t for t in state.tickets if t.status == "called"),
        key=lambda t: t.called_at or _EPOCH,
    )
    return called + _sorted(t for t in state.tickets if t.status == "waiting")


def ahead_of(state: State, windows: tuple[Window, ...], number: str) -> int | None:
    """How many residents will be called before this ticket by the windows that may call it
    (None when the ticket is not waiting)."""
    ticket = next((t for t in state.tickets if t.number == number), None)
    if ticket is None or ticket.status != "waiting":
        return None
    best = None
    for w in windows:
        line = eligible(state, w)
        if ticket in line:
            pos = line.index(ticket)
            best = pos if best is None else min(best, pos)
    return best
