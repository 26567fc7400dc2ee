"""Rules that fire on time alone: registered leave starting and ending, the schedule (days,
sessions, closing), the cover rule (the B-post told, the rule's moment, the director told),
and residents waiting past the SLA. `next_deadline` says when; `due` says what, stamped
with the moment it was due (not when a ticker got round to it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from msgspec.structs import replace

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.clock import EPOCH
from hall.core.model import State, Ticket, WindowState
from hall.queue.order import serving, waiting_for
from hall.schedule import day_start, hall_day, sessions_on
from hall.staffing import leave
from hall.staffing.posts import closing
from hall.staffing.status import cover_step, covering_elsewhere

_ONE_DAY = timedelta(days=1)


def next_deadline(hall: HallConfig, state: State) -> datetime | None:
    best = _boundary(hall, state)
    change = leave.next_change(state)
    if change is not None and change[1] < best:
        best = change[1]
    for w in state.windows:
        step = cover_step(w, hall.rules)
        if step is not None and step[1] < best:
            best = step[1]
    overdue = _next_overdue(state, hall.rules.wait_sla)
    return overdue if overdue is not None and overdue < best else best


def due(hall: HallConfig, state: State, at: datetime, now: datetime) -> list[ev.Event]:
    """The events of the rules due at `at` (the state's next deadline, <= now). The cover
    rule takes hold only when *more* than `cover_after` has passed: at `at == now` it waits
    (a cover started at the deadline is on time), so this may return nothing."""
    change = leave.next_change(state)
    if change is not None and change[1] <= at:  # one at a time: it may touch any window
        return leave.change(hall, state, change[0], change[1])
    out: list[ev.Event] = []
    for w in state.windows:
        step = cover_step(w, hall.rules)
        if step is not None and step[1] <= at:
            out += _cover(hall, state, w, *step, now)
    for t in state.tickets:
        if t.status != "waiting" or t.overdue:
            continue
        late_at = overdue_at(t, hall.rules.wait_sla)
        if late_at <= at:
            out.append(ev.TicketOverdue(hall=hall.id, at=late_at, ticket=replace(t, overdue=True)))
    if out:
        return out
    boundary = _boundary(hall, state)
    return _schedule(hall, state, boundary, now) if boundary <= at else []


def _cover(
    hall: HallConfig, state: State, w: WindowState, step: str, at: datetime, now: datetime
) -> list[ev.Event]:
    if step == "needed":
        busy = None
        if covering_elsewhere(state, w.b.staff, w.number) is not None:
            busy = "covering"
        elif state.on_leave(w.b.staff) is not None:
            busy = "leave"
        return [
            ev.CoverNeeded(
                hall=hall.id,
                at=at,
                window=w.number,
                staff=w.b.staff,
                deadline=at + hall.rules.cover_after,
                a_state=w.a.state,
                a_leave=state.on_leave(w.a.staff) is not None,
                b_busy=busy,  # type: ignore[arg-type]
            )
        ]
    if step == "requested":
        if at >= now and at == w.cover_deadline:  # not *more* than cover_after yet
            return []
        return [
            ev.CoverRequested(
                hall=hall.id, at=at, window=w.number, staff=w.b.staff, a_state=w.a.state
            )
        ]
    return [ev.CoverEscalated(hall=hall.id, at=at, window=w.number)]


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
