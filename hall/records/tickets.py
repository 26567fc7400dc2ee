"""Every ticket of a day, pure: its events folded into one row (for the tickets export).
Numbers restart each day, so a day is folded by itself."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

import msgspec

from hall.core import events as ev
from hall.core.clock import minutes
from hall.core.model import Ticket
from hall.records.ledger import Logged

Outcome = Literal["finished", "no_show", "closed", "expired", "waiting", "called"]
TICKET_TYPES = (
    "ticket.issued",
    "ticket.called",
    "ticket.finished",
    "ticket.no_show",
    "ticket.transferred",
    "ticket.closed",
    "rating.given",
)


class TicketRow(msgspec.Struct, frozen=True, kw_only=True):
    day: date
    number: str
    service: str
    priority: bool
    issued: datetime
    called: datetime | None = None
    """Its first call."""
    window: int | None = None
    """Where it ended (finished, no-show, closed), else where it was last called or sent."""
    staff: str | None = None
    """Who served it (`ticket.finished` `staff`)."""
    outcome: Outcome = "waiting"
    """`finished`, `no_show`, `closed` (its window closed early); `expired` (the day ended
    before it was served); on a day still running, `waiting` or `called`."""
    transfers: int = 0
    transferred_to: int | None = None
    """The window it was last handed to."""
    wait_minutes: float | None = None
    """From issue to first call."""
    service_minutes: float | None = None
    """From its (last) call to its finish."""
    rating: int | None = None
    """1..5 when the resident rated it."""


def ticket_rows(day: date, events: Iterable[Logged], *, over: bool = True) -> list[TicketRow]:
    """The day's tickets in issue order. `over`: the day has ended (a ticket left waiting
    or called then expired); else it still runs."""
    rows: dict[str, TicketRow] = {}

    def row(ticket: Ticket) -> TicketRow:
        found = rows.get(ticket.number)
        if found is None:
            found = rows[ticket.number] = TicketRow(
                day=day,
                number=ticket.number,
                service=ticket.service,
                priority=ticket.priority,
                issued=ticket.issued_at,
            )
        return found

    def put(ticket: Ticket, **changes: object) -> None:
        rows[ticket.number] = msgspec.structs.replace(row(ticket), **changes)

    for _, e in events:
        if isinstance(e, ev.TicketIssued):
            row(e.ticket)
        elif isinstance(e, ev.TicketCalled):
            before = row(e.ticket)
            called, wait = before.called, before.wait_minutes
            if called is None:  # the first call (again after a transfer: not a new wait)
                called, wait = e.at, minutes(e.at - e.ticket.issued_at)
            put(e.ticket, called=called, window=e.window, outcome="called", wait_minutes=wait)
        elif isinstance(e, ev.TicketFinished):
            took = minutes(e.at - e.ticket.called_at) if e.ticket.called_at else None
            put(e.ticket, window=e.window, staff=e.staff, outcome="finished", service_minutes=took)
        elif isinstance(e, ev.TicketNoShow):
            put(e.ticket, window=e.window, outcome="no_show")
        elif isinstance(e, ev.TicketClosed):
            put(e.ticket, window=e.window, outcome="closed")
        elif isinstance(e, ev.TicketTransferred):
            before = row(e.ticket)
            put(
                e.ticket,
                window=e.to_window,
                outcome="waiting",
                transfers=before.transfers + 1,
                transferred_to=e.to_window,
            )
        elif isinstance(e, ev.RatingGiven):
            put(e.ticket, rating=e.score)
    out = sorted(rows.values(), key=lambda r: (r.issued, r.number))
    if not over:
        return out
    ended = ("finished", "no_show", "closed")
    return [r if r.outcome in ended else msgspec.structs.replace(r, outcome="expired") for r in out]
