"""evolve(state, event) -> state: the only way a state changes. Pure; events carry every value
it needs (no config, no clock), so folding the log from `initial_state` rebuilds any state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from msgspec.structs import replace

from hall.config import RATING_WITHIN_MAX, HallConfig
from hall.core import events as ev
from hall.core.model import (
    APPEAL_DAYS,
    RATEABLE_MAX,
    Absence,
    Finished,
    Leave,
    Post,
    Record,
    RecordKind,
    RecordStatus,
    Served,
    State,
    Ticket,
    WindowState,
)


def initial_state(hall: HallConfig) -> State:
    return State(
        hall=hall.id,
        windows=tuple(
            WindowState(number=w.number, a=Post(staff=w.a), b=Post(staff=w.b)) for w in hall.windows
        ),
        config=hall.version,
    )


def evolve(state: State, event: ev.Event) -> State:
    return _HANDLERS[type(event)](state, event)


def fold(state: State, events: Iterable[ev.Event]) -> State:
    for e in events:
        state = evolve(state, e)
    return state


def _window(
    state: State, number: int, at: datetime, change: Callable[[WindowState], WindowState]
) -> State:
    return replace(
        state,
        windows=tuple(_book(w, change(w), at) if w.number == number else w for w in state.windows),
    )


def _server(w: WindowState) -> str | None:
    if w.a.state == "present":
        return w.a.staff
    if w.b.state == "covering":
        return w.b.staff
    return None


def _book(before: WindowState, after: WindowState, at: datetime) -> WindowState:
    """In extended service, time counts only while someone serves: close the running
    segment when who serves changes, and start the next."""
    if after.phase != "extended" or before.phase != "extended":
        return after
    was, now = _server(before), _server(after)
    if was == now:
        return after
    served = after.served
    if was is not None and before.serving_since is not None:
        served = (*served, Served(was, (at - before.serving_since).total_seconds()))
    return replace(after, served=served, serving_since=at if now is not None else None)


def _put_ticket(state: State, ticket: Ticket) -> State:
    return replace(
        state,
        tickets=tuple(ticket if t.number == ticket.number else t for t in state.tickets),
    )


def _drop_ticket(state: State, number: str) -> State:
    return replace(state, tickets=tuple(t for t in state.tickets if t.number != number))


def _spell(w: WindowState, at: datetime) -> WindowState:
    """A new spell without the A-post begins at `at`: the cover rule starts afresh."""
    return replace(
        w, unattended_since=at, cover_deadline=None, cover_requested_at=None, escalated=False
    )


def _presence(state: State, e: ev.PresenceChanged) -> State:
    on_leave = state.on_leave(e.staff) is not None

    def change(w: WindowState) -> WindowState:
        if e.post == "B":
            return replace(w, b=Post(w.b.staff, e.state, e.at, e.reason))
        if e.state == "away" and w.a.state == "away":  # a new reason, same spell
            return replace(w, a=replace(w.a, reason=e.reason))
        a = Post(w.a.staff, e.state, e.at, e.reason)
        if w.phase == "closed":
            return replace(w, a=a)
        if e.state == "present":
            return replace(
                w,
                a=a,
                arrived=True,
                expected=None,
                unattended_since=None,
                cover_deadline=None,
                cover_requested_at=None,
                escalated=False,
            )
        if w.a.state != "present":  # away <-> off: the same spell, the same absence
            return replace(w, a=a)
        absence = None if on_leave else Absence(started=e.at, reason=e.reason or "off")
        return replace(_spell(w, e.at), a=a, absence=absence)

    return _window(state, e.window, e.at, change)


def _cover_needed(state: State, e: ev.CoverNeeded) -> State:
    def change(w: WindowState) -> WindowState:
        return replace(w, cover_deadline=e.deadline, cover_requested_at=None, escalated=False)

    return _window(state, e.window, e.at, change)


def _cover_requested(state: State, e: ev.CoverRequested) -> State:
    def change(w: WindowState) -> WindowState:
        absence = replace(w.absence, late=True) if w.absence else None
        return replace(w, cover_requested_at=e.at, escalated=False, absence=absence)

    return _window(state, e.window, e.at, change)


def _cover_escalated(state: State, e: ev.CoverEscalated) -> State:
    return _window(state, e.window, e.at, lambda w: replace(w, escalated=True))


def _cover_started(state: State, e: ev.CoverStarted) -> State:
    def change(w: WindowState) -> WindowState:
        b = Post(w.b.staff, "covering", e.at, None, resume=w.b.state)
        absence = w.absence
        if absence is not None and absence.covered_by is None:
            absence = replace(absence, covered_by=e.staff, cover_started=e.at)
        return replace(w, b=b, cover_requested_at=None, escalated=False, absence=absence)

    return _window(state, e.window, e.at, change)


def _cover_ended(state: State, e: ev.CoverEnded) -> State:
    def change(w: WindowState) -> WindowState:
        return replace(w, b=Post(w.b.staff, w.b.resume or "present", e.at))

    return _window(state, e.window, e.at, change)


def _absence_recorded(state: State, e: ev.AbsenceRecorded) -> State:
    state = _window(state, e.window, e.at, lambda w: replace(w, absence=None))
    return _recorded(state, e, "absence.recorded") if e.record else state


def _arrival_late(state: State, e: ev.ArrivalLate) -> State:
    return _recorded(state, e, "arrival.late") if e.record else state


def _recorded(state: State, e: ev.ArrivalLate | ev.AbsenceRecorded, kind: RecordKind) -> State:
    serial = int(e.record[1:]) if e.record[1:].isdigit() else 0
    day = state.day or e.at.date()
    record = Record(e.record, e.staff, e.window, kind, day, e.minutes)
    return replace(
        state,
        records=(*state.records, record),
        record_serial=max(state.record_serial, serial),
    )


def _appeal_filed(state: State, e: ev.AppealFiled) -> State:
    serial = int(e.appeal[1:]) if e.appeal[1:].isdigit() else 0
    records = tuple(
        replace(r, status="appealed", appeal=e.appeal) if r.id == e.record else r
        for r in state.records
    )
    return replace(state, records=records, appeal_serial=max(state.appeal_serial, serial))


def _appeal_decided(state: State, e: ev.AppealDecided) -> State:
    status: RecordStatus = "upheld" if e.upheld else "voided"
    records = tuple(replace(r, status=status) if r.id == e.record else r for r in state.records)
    return replace(state, records=records)


def _leave_registered(state: State, e: ev.LeaveRegistered) -> State:
    serial = max(state.serial, int(e.leave[1:])) if e.leave[1:].isdigit() else state.serial
    if e.until <= e.at:  # over already: on the record, nothing left to apply
        return replace(state, serial=serial)
    leave = Leave(e.leave, e.staff, e.kind, e.start, e.until, e.at, e.note)
    leaves = tuple(sorted((*state.leaves, leave), key=lambda lv: lv.start))
    return replace(state, leaves=leaves, serial=serial)


def _leave_cancelled(state: State, e: ev.LeaveCancelled) -> State:
    return replace(state, leaves=tuple(lv for lv in state.leaves if lv.id != e.leave))


def _leave_started(state: State, e: ev.LeaveStarted) -> State:
    leaves = tuple(replace(lv, running=True) if lv.id == e.leave else lv for lv in state.leaves)
    state = replace(state, leaves=leaves)

    def change(w: WindowState) -> WindowState:
        if w.a.staff != e.staff or w.phase == "closed" or w.a.state == "present":
            return w
        # Offered to the B-post from now (not after a grace: the A-post is not expected).
        return replace(_spell(w, e.at), expected=None, absence=None)

    for w in state.windows:
        state = _window(state, w.number, e.at, change)
    return state


def _leave_ended(state: State, e: ev.LeaveEnded) -> State:
    state = replace(state, leaves=tuple(lv for lv in state.leaves if lv.id != e.leave))

    def change(w: WindowState) -> WindowState:
        if w.a.staff != e.staff or w.phase == "closed" or w.a.state == "present":
            return w
        w = _spell(w, e.at)
        if not w.arrived:
            return replace(w, expected=e.at)
        return replace(w, absence=Absence(started=e.at, reason=w.a.reason or "off"))

    for w in state.windows:
        state = _window(state, w.number, e.at, change)
    return state


def _alert_acked(state: State, e: ev.AlertAcked) -> State:
    return replace(state, acked=(*state.acked, e.alert))


def _issued(state: State, e: ev.TicketIssued) -> State:
    t = e.ticket
    numbers = {**state.numbers, t.service: max(state.numbers.get(t.service, 0), int(t.number[1:]))}
    return replace(state, numbers=numbers, tickets=(*state.tickets, t))


def _ticket_changed(state: State, e: Any) -> State:
    return _put_ticket(state, e.ticket)


def _finished(state: State, e: ev.TicketFinished) -> State:
    state = _drop_ticket(state, e.ticket.number)
    keep_from = e.at - RATING_WITHIN_MAX
    recent = [f for f in state.finished if f.at >= keep_from][-(RATEABLE_MAX - 1) :]
    done = Finished(ticket=e.ticket, window=e.window, staff=e.staff, at=e.at)
    return replace(state, finished=(*recent, done))


def _dropped(state: State, e: ev.TicketNoShow | ev.TicketClosed) -> State:
    return _drop_ticket(state, e.ticket.number)


def _window_opened(state: State, e: ev.WindowOpened) -> State:
    def change(w: WindowState) -> WindowState:
        present = w.a.state == "present"
        on_leave = state.on_leave(w.a.staff) is not None
        return replace(
            w,
            phase="open",
            opened_at=e.at,
            arrived=present,
            expected=None if present or on_leave else e.at,
            unattended_since=None if present else e.at,
            cover_deadline=None,
            cover_requested_at=None,
            escalated=False,
            absence=None,
            extended_since=None,
            served=(),
            serving_since=None,
        )

    return _window(state, e.window, e.at, change)


def _window_extended(state: State, e: ev.WindowExtended) -> State:
    def change(w: WindowState) -> WindowState:
        serving = e.at if w.attended else None
        return replace(w, phase="extended", extended_since=e.at, serving_since=serving)

    return _window(state, e.window, e.at, change)


def _window_closed(state: State, e: ev.WindowClosed) -> State:
    def change(w: WindowState) -> WindowState:
        # Every post starts the next session off: presence never carries over a break.
        return WindowState(
            number=w.number, a=Post(w.a.staff, "off", e.at), b=Post(w.b.staff, "off", e.at)
        )

    return _window(state, e.window, e.at, change)


def _rating_given(state: State, e: ev.RatingGiven) -> State:
    number = e.ticket.number
    finished = tuple(
        replace(f, rated=True) if f.ticket.number == number else f for f in state.finished
    )
    return replace(state, finished=finished)


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
        leaves=state.leaves,
        serial=state.serial,
        records=tuple(r for r in state.records if (e.date - r.day).days <= APPEAL_DAYS),
        record_serial=state.record_serial,
        appeal_serial=state.appeal_serial,
        config=state.config,
    )


def _configured(state: State, e: ev.HallConfigured) -> State:
    """The hall file's windows and posts (`hall.core.configure` says why so): a new post is
    off, a new A-post not expected (never late); the cover rule starts afresh if open."""
    held = {w.number: w for w in state.windows}
    windows = []
    for p in e.windows:
        w = after = held.get(p.number) or WindowState(number=p.number, a=Post(p.a), b=Post(p.b))
        if p.b != w.b.staff:
            after = replace(after, b=Post(p.b, "off", e.at))
        if p.a != w.a.staff:
            a = Post(p.a, "off", e.at)
            after = replace(after, a=a, arrived=False, expected=None, absence=None)
        handed = after.a is not w.a or (after.b is not w.b and not after.attended)
        after = _spell(after, e.at) if handed and w.phase != "closed" else after
        windows.append(_book(w, after, e.at))
    return replace(state, windows=tuple(windows), config=e.version)


_HANDLERS: dict[type[ev.Event], Callable[[State, Any], State]] = {
    ev.PresenceChanged: _presence,
    ev.CoverNeeded: _cover_needed,
    ev.CoverRequested: _cover_requested,
    ev.CoverEscalated: _cover_escalated,
    ev.CoverStarted: _cover_started,
    ev.CoverEnded: _cover_ended,
    ev.AbsenceRecorded: _absence_recorded,
    ev.ArrivalLate: _arrival_late,
    ev.LeaveRegistered: _leave_registered,
    ev.LeaveCancelled: _leave_cancelled,
    ev.LeaveStarted: _leave_started,
    ev.LeaveEnded: _leave_ended,
    ev.AlertAcked: _alert_acked,
    ev.TicketIssued: _issued,
    ev.TicketCalled: _ticket_changed,
    ev.TicketRecalled: _ticket_changed,
    ev.TicketFinished: _finished,
    ev.TicketNoShow: _dropped,
    ev.TicketTransferred: _ticket_changed,
    ev.TicketClosed: _dropped,
    ev.TicketOverdue: _ticket_changed,
    ev.WindowOpened: _window_opened,
    ev.WindowExtended: _window_extended,
    ev.WindowClosed: _window_closed,
    ev.RatingGiven: _rating_given,
    ev.AppealFiled: _appeal_filed,
    ev.AppealDecided: _appeal_decided,
    ev.HallOpened: _hall_opened,
    ev.HallClosed: _hall_closed,
    ev.DayStarted: _day_started,
    ev.HallConfigured: _configured,
}
