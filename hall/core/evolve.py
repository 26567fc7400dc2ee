"""evolve(state, event) -> state: the only way a state changes. Pure; events carry every value
it needs (no config, no clock), so folding the log from `initial_state` rebuilds any state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from msgspec.structs import replace

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.model import Absence, Finished, Post, State, Ticket, WindowState


def initial_state(hall: HallConfig) -> State:
    return State(
        hall=hall.id,
        windows=tuple(
            WindowState(number=w.number, a=Post(staff=w.a), b=Post(staff=w.b)) for w in hall.windows
        ),
    )


def evolve(state: State, event: ev.Event) -> State:
    return _HANDLERS[type(event)](state, event)


def fold(state: State, events: Iterable[ev.Event]) -> State:
    for e in events:
        state = evolve(state, e)
    return state


def _window(state: State, number: int, change: Callable[[WindowState], WindowState]) -> State:
    return replace(
        state, windows=tuple(change(w) if w.number == number else w for w in state.windows)
    )


def _put_ticket(state: State, ticket: Ticket) -> State:
    return replace(
        state,
        tickets=tuple(ticket if t.number == ticket.number else t for t in state.tickets),
    )


def _drop_ticket(state: State, number: str) -> State:
    return replace(state, tickets=tuple(t for t in state.tickets if t.number != number))


def _presence(state: State, e: ev.PresenceChanged) -> State:
    def change(w: WindowState) -> WindowState:
        if e.post == "B":
            return replace(w, b=Post(w.b.staff, e.state, e.at, e.reason))
        if e.state == "away" and w.a.state == "away":  # a new reason, same spell
            return replace(w, a=replace(w.a, reason=e.reason))
        a = Post(w.a.staff, e.state, e.at, e.reason)
        if e.state == "present":
            return replace(w, a=a, unattended_since=None, cover_requested_at=None, escalated=False)
        unattended = w.unattended_since or (e.at if w.phase != "closed" else None)
        absence = w.absence
        if e.state == "away" and absence is None:
            # Away while the window already stands uncovered: late from the first moment.
            uncovered = w.cover_requested_at is not None and w.b.state != "covering"
            absence = Absence(started=e.at, late=uncovered)
        return replace(w, a=a, unattended_since=unattended, absence=absence)

    return _window(state, e.window, change)


def _cover_requested(state: State, e: ev.CoverRequested) -> State:
    def change(w: WindowState) -> WindowState:
        absence = replace(w.absence, late=True) if w.absence else None
        return replace(w, cover_requested_at=e.at, escalated=False, absence=absence)

    return _window(state, e.window, change)


def _cover_escalated(state: State, e: ev.CoverEscalated) -> State:
    return _window(state, e.window, lambda w: replace(w, escalated=True))


def _cover_started(state: State, e: ev.CoverStarted) -> State:
    def change(w: WindowState) -> WindowState:
        b = Post(w.b.staff, "covering", e.at, None, resume=w.b.state)
        absence = replace(w.absence, covered_by=e.staff) if w.absence else None
        return replace(w, b=b, cover_requested_at=None, escalated=False, absence=absence)

    return _window(state, e.window, change)


def _cover_ended(state: State, e: ev.CoverEnded) -> State:
    def change(w: WindowState) -> WindowState:
        return replace(w, b=Post(w.b.staff, w.b.resume or "present", e.at))

    return _window(state, e.window, change)


def _absence_recorded(state: State, e: ev.AbsenceRecorded) -> State:
    return _window(state, e.window, lambda w: replace(w, absence=None))


def _issued(state: State, e: ev.TicketIssued) -> State:
    t = e.ticket
    numbers = {**state.numbers, t.service: max(state.numbers.get(t.service, 0), int(t.number[1:]))}
    return replace(state, numbers=numbers, tickets=(*state.tickets, t))


def _ticket_changed(state: State, e: Any) -> State:
    return _put_ticket(state, e.ticket)


def _finished(state: State, e: ev.TicketFinished) -> State:
    state = _drop_ticket(state, e.ticket.number)
    done = Finished(ticket=e.ticket, staff=e.staff, at=e.at)
    return _window(state, e.window, lambda w: replace(w, last_finished=done))


def _no_show(state: State, e: ev.TicketNoShow) -> State:
    return _drop_ticket(state, e.ticket.number)


def _window_opened(state: State, e: ev.WindowOpened) -> State:
    def change(w: WindowState) -> WindowState:
        unattended = None if w.a.state == "present" else e.at
        # An A-post still away when the window reopens is absent again from now on.
        absence = Absence(started=e.at) if w.a.state == "away" else None
        return replace(
            w,
            absence=absence,
            phase="open",
            extended_since=None,
            unattended_since=unattended,
            cover_requested_at=None,
            escalated=False,
        )

    return _window(state, e.window, change)


def _window_extended(state: State, e: ev.WindowExtended) -> State:
    return _window(state, e.window, lambda w: replace(w, phase="extended", extended_since=e.at))


def _window_closed(state: State, e: ev.WindowClosed) -> State:
    def change(w: WindowState) -> WindowState:
        return replace(
            w,
            phase="closed",
            extended_since=None,
            unattended_since=None,
            cover_requested_at=None,
            escalated=False,
        )

    return _window(state, e.window, change)


def _rating_given(state: State, e: ev.RatingGiven) -> State:
    def change(w: WindowState) -> WindowState:
        done = replace(w.last_finished, rated=True) if w.last_finished else None
        return replace(w, last_finished=done)

    return _window(state, e.window, change)


def _hall_opened(state: State, e: ev.HallOpened) -> State:
    return replace(state, clock=e.at, closes_at=e.closes_at)


def _hall_closed(state: State, e: ev.HallClosed) -> State:
    return replace(state, clock=e.at, closes_at=None)


def _day_started(state: State, e: ev.DayStarted) -> State:
    def fresh(w: WindowState) -> WindowState:
        return WindowState(
            number=w.number, a=Post(w.a.staff, "off", e.at), b=Post(w.b.staff, "off", e.at)
        )

    return State(
        hall=state.hall,
        windows=tuple(fresh(w) for w in state.windows),
        day=e.date,
        clock=e.at,
    )


_HANDLERS: dict[type[ev.Event], Callable[[State, Any], State]] = {
    ev.PresenceChanged: _presence,
    ev.CoverRequested: _cover_requested,
    ev.CoverEscalated: _cover_escalated,
    ev.CoverStarted: _cover_started,
    ev.CoverEnded: _cover_ended,
    ev.AbsenceRecorded: _absence_recorded,
    ev.TicketIssued: _issued,
    ev.TicketCalled: _ticket_changed,
    ev.TicketRecalled: _ticket_changed,
    ev.TicketFinished: _finished,
    ev.TicketNoShow: _no_show,
    ev.TicketTransferred: _ticket_changed,
    ev.TicketOverdue: _ticket_changed,
    ev.WindowOpened: _window_opened,
    ev.WindowExtended: _window_extended,
    ev.WindowClosed: _window_closed,
    ev.RatingGiven: _rating_given,
    ev.HallOpened: _hall_opened,
    ev.HallClosed: _hall_closed,
    ev.DayStarted: _day_started,
}
