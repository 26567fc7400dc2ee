"""Which ticket comes next, and how many wait, for a window or the hall."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

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


def callers(windows: Iterable[Window], ticket: Ticket) -> list[int]:
    """The windows that may call `ticket`: its transfer target, else those of its service."""
    if ticket.window is not None:
        return [ticket.window]
    return [w.number for w in windows if ticket.service in w.services]


def ahead_of(state: State, windows: tuple[Window, ...], number: str) -> int | None:
    """How many residents will be called before this ticket: the fewest any window that may
    call it will call first (None when the ticket is not waiting)."""
    found = place(state, windows, number)
    return found.ahead if found is not None else None


class Place(NamedTuple):
    """Where a waiting ticket stands: the residents called before it, the windows that may
    call it, and its place in each of their lines (`lines`)."""

    ahead: int
    windows: tuple[int, ...]
    at: dict[int, int]


def place(state: State, windows: tuple[Window, ...], number: str) -> Place | None:
    """None when the ticket is not waiting. The one rule of "people ahead": the screens (the
    kiosk's slip, the resident's page) show what this says."""
    at = lines(state, windows, number)
    if at is None:
        return None
    return Place(min(at.values(), default=0), tuple(at), at)


def lines(state: State, windows: tuple[Window, ...], number: str) -> dict[int, int] | None:
    """Where a waiting ticket stands in the line of each window that may call it: window
    number -> residents that window calls first (None when the ticket is not waiting). The
    kiosk counts only the windows that can call it now."""
    ticket = next((t for t in state.tickets if t.number == number), None)
    if ticket is None or ticket.status != "waiting":
        return None
    mine = callers(windows, ticket)
    out: dict[int, int] = {}
    for w in windows:
        if w.number in mine:
            line = eligible(state, w)
            if ticket in line:
                out[w.number] = line.index(ticket)
    return out
