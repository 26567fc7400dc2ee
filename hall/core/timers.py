"""Rules that fire on time alone: the schedule (days, sessions, closing), the cover rule and
its escalation, and residents waiting past the SLA. `next_deadline` says when; `due` says
what, stamped with the moment it was due (not when a ticker got round to it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from msgspec.structs import replace

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.clock import EPOCH, minutes
from hall.core.model import State, Ticket, WindowState
from hall.queue.order import serving, waiting_for
from hall.schedule import day_start, hall_day, sessions_on
from hall.staffing.rules import end_spells
from hall.staffing.status import cover_deadline

_ONE_DAY = timedelta(days=1)


def next_deadline(hall: HallConfig, state: State) -> datetime | None:
    best = _boundary(hall, state)
    rules = hall.rules
    for w in state.windows:
        d = cover_deadline(w, rules.cover_after, rules.escalate_after)
        if d is not None and d < best:
            best = d
    overdue = _next_overdue(state, rules.wait_sla)
    return overdue if overdue is not None and overdue < best else best


def due(hall: HallConfig, state: State, at: datetime, now: datetime) -> list[ev.Event]:
    """The events of every rule due at `at` (the state's next deadline, <= now)."""
    rules = hall.rules
    out: list[ev.Event] = []
    for w in state.windows:
        d = cover_deadline(w, rules.cover_after, rules.escalate_after)
        if d is None or d > at:
            continue
        if w.cover_requested_at is None:
            out.append(
                ev.CoverRequested(
                    hall=hall.id, at=d, window=w.number, staff=w.b.staff, a_state=w.a.state
                )
            )
        else:
            out.append(ev.CoverEscalated(hall=hall.id, at=d, window=w.number))
    for t in state.tickets:
        if t.status != "waiting" or t.overdue:
            continue
        late_at = overdue_at(t, rules.wait_sla)
        if late_at <= at:
            out.append(ev.TicketOverdue(hall=hall.id, at=late_at, ticket=replace(t, overdue=True)))
    if out:
        return out
    boundary = _boundary(hall, state)
    return _schedule(hall, state, boundary, now) if boundary <= at else []


def overdue_at(t: Ticket, sla: timedelta) -> datetime:
    """SLA after issue, but not before the ticket last became waiting (a transfer)."""
    due_at = t.issued_at + sla
    return max(due_at, t.transferred_at) if t.transferred_at else due_at


def _next_overdue(state: State, sla: timedelta) -> datetime | None:
    best: datetime | None = None
    for t in state.tickets:  # issue order: issued_at + sla only grows, so stop early
        if best is not None and t.issued_at + sla >= best:
            break
        if t.status == "waiting" and not t.overdue:
            d = overdue_at(t, sla)
            best = d if best is None or d < best else best
    return best


def _boundary(hall: HallConfig, state: State) -> datetime:
    """The next schedule change: a new day, a session start, or the open session's end."""
    if state.day is None or state.clock is None:
        return EPOCH
    if state.closes_at is not None:
        return state.closes_at
    for start, _ in sessions_on(hall, state.day):
        if start >= state.clock:
            return start
    return day_start(hall, state.day + _ONE_DAY)


def _schedule(hall: HallConfig, state: State, at: datetime, now: datetime) -> list[ev.Event]:
    if state.day is None or state.clock is None or at == day_start(hall, state.day + _ONE_DAY):
        return _new_day(hall, state, at, now)
    if state.closes_at is None:
        return _open(hall, state, at)
    return _close(hall, state, at)


def closing(hall: HallConfig, w: WindowState, at: datetime) -> list[ev.Event]:
    """A window closes: its cover and absence end with it, then `window.closed`."""
    extended = minutes(at - w.extended_since) if w.extended_since else 0.0
    return [
        *end_spells(hall, w, at),
        ev.WindowClosed(hall=hall.id, at=at, window=w.number, extended_minutes=extended),
    ]


def _close_extended(hall: HallConfig, state: State, at: datetime) -> list[ev.Event]:
    return [e for w in state.windows if w.phase == "extended" for e in closing(hall, w, at)]


def _new_day(hall: HallConfig, state: State, at: datetime, now: datetime) -> list[ev.Event]:
    today = hall_day(hall, now)
    day = today if state.day is None else max(state.day + _ONE_DAY, today)
    out: list[ev.Event] = _close_extended(hall, state, at)
    expired = tuple(t.number for t in state.tickets)
    out.append(ev.DayStarted(hall=hall.id, at=day_start(hall, day), date=day, expired=expired))
    return out


def _open(hall: HallConfig, state: State, at: datetime) -> list[ev.Event]:
    assert state.day is not None
    end = next(e for s, e in sessions_on(hall, state.day) if s == at)
    out: list[ev.Event] = [ev.HallOpened(hall=hall.id, at=at, closes_at=end)]
    out += _close_extended(hall, state, at)
    out += [ev.WindowOpened(hall=hall.id, at=at, window=w.number) for w in state.windows]
    return out


def _close(hall: HallConfig, state: State, at: datetime) -> list[ev.Event]:
    out: list[ev.Event] = [ev.HallClosed(hall=hall.id, at=at)]
    for wcfg in hall.windows:
        waiting = waiting_for(state, wcfg)
        if waiting or serving(state, wcfg.number) is not None:
            out.append(ev.WindowExtended(hall=hall.id, at=at, window=wcfg.number, waiting=waiting))
        elif (w := state.window(wcfg.number)) is not None and w.phase != "closed":
            out += closing(hall, w, at)

    return out


def settle(hall: HallConfig, state: State, now: datetime) -> list[ev.Event]:
    """An extended window closes as soon as it has nobody left to serve."""
    out: list[ev.Event] = []
    for wcfg in hall.windows:
        w = state.window(wcfg.number)
        if w is None or w.phase != "extended":
            continue
        if serving(state, w.number) is None and waiting_for(state, wcfg) == 0:
            out += closing(hall, w, now)
    return out
