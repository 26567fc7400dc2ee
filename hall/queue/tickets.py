"""Ticket and rating commands -> events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from msgspec.structs import replace

from hall.config import HallConfig, Window
from hall.core import commands as cmds
from hall.core import events as ev
from hall.core.errors import Forbidden, Refused
from hall.core.evolve import fold
from hall.core.model import Actor, Finished, State, Ticket, WindowState
from hall.queue.order import next_for, next_number, serving
from hall.staffing.posts import closing, serve_as
from hall.staffing.status import serving_status


def _window(hall: HallConfig, state: State, number: int) -> tuple[Window, WindowState]:
    wcfg, w = hall.window(number), state.window(number)
    assert wcfg is not None and w is not None  # access checks ran first
    return wcfg, w


def on_duty(w: WindowState, actor: Actor) -> str | None:
    """Who serves at the window: the clerk who acts, else whoever holds the window."""
    if actor.kind == "clerk":
        return actor.staff
    if w.a.state == "present":
        return w.a.staff
    if w.b.state == "covering":
        return w.b.staff
    return None


def _called(state: State, number: int) -> Ticket:
    t = serving(state, number)
    if t is None:
        raise Refused("no_ticket", f"window {number} has no ticket called")
    return t


def issue(
    hall: HallConfig, state: State, cmd: cmds.TicketIssue, actor: Actor, now: datetime
) -> list[ev.Event]:
    cutoff = state.closes_at - hall.rules.issue_cutoff if state.closes_at else None
    if cutoff is None or now >= cutoff:
        raise Refused("hall_closed", "tickets are not being issued now (outside opening hours)")
    ticket = Ticket(
        number=next_number(state, cmd.service),
        service=cmd.service,
        priority=cmd.priority,
        status="waiting",
        issued_at=now,
        window=None,
        recalls=0,
    )
    return [ev.TicketIssued(hall=hall.id, at=now, ticket=ticket)]


def _serving_now(
    hall: HallConfig, state: State, number: int, actor: Actor, now: datetime
) -> tuple[list[ev.Event], State]:
    """Serving is presence: the events that put the acting clerk at the window first, and
    the state after them."""
    _, w = _window(hall, state, number)
    first = serve_as(hall, state, w, actor, now)
    return first, fold(state, first) if first else state


def call(
    hall: HallConfig, state: State, cmd: cmds.TicketCall, actor: Actor, now: datetime
) -> list[ev.Event]:
    wcfg, w = _window(hall, state, cmd.window)
    if w.phase == "closed":
        raise Refused("window_closed", f"window {w.number} is closed")
    busy = serving(state, w.number)
    if busy is not None:
        raise Refused(
            "window_busy",
            f"window {w.number} is still serving {busy.number}; finish it or mark a no-show first",
        )
    t = next_for(state, wcfg)
    if t is None:
        raise Refused("no_ticket", f"nobody is waiting for window {w.number}")
    first, state = _serving_now(hall, state, cmd.window, actor, now)
    _, w = _window(hall, state, cmd.window)
    called = replace(t, status="called", window=w.number, called_at=now, recalls=0)
    return [
        *first,
        ev.TicketCalled(
            hall=hall.id, at=now, ticket=called, window=w.number, staff=on_duty(w, actor)
        ),
    ]


def recall(
    hall: HallConfig, state: State, cmd: cmds.TicketRecall, actor: Actor, now: datetime
) -> list[ev.Event]:
    t = _called(state, cmd.window)
    limit = hall.rules.recall_limit
    if t.recalls >= limit:
        raise Refused(
            "recall_limit",
            f"{t.number} has been recalled {limit} times; finish it or mark a no-show",
        )
    again = replace(t, recalls=t.recalls + 1)
    first, _ = _serving_now(hall, state, cmd.window, actor, now)
    return [
        *first,
        ev.TicketRecalled(
            hall=hall.id, at=now, ticket=again, window=cmd.window, recalls=again.recalls
        ),
    ]


def finish(
    hall: HallConfig, state: State, cmd: cmds.TicketFinish, actor: Actor, now: datetime
) -> list[ev.Event]:
    t = _called(state, cmd.window)
    first, state = _serving_now(hall, state, cmd.window, actor, now)
    _, w = _window(hall, state, cmd.window)
    return [
        *first,
        ev.TicketFinished(
            hall=hall.id, at=now, ticket=t, window=cmd.window, staff=on_duty(w, actor)
        ),
    ]


def no_show(
    hall: HallConfig, state: State, cmd: cmds.TicketNoShow, actor: Actor, now: datetime
) -> list[ev.Event]:
    t = _called(state, cmd.window)
    first, _ = _serving_now(hall, state, cmd.window, actor, now)
    return [*first, ev.TicketNoShow(hall=hall.id, at=now, ticket=t, window=cmd.window)]


def transfer(
    hall: HallConfig, state: State, cmd: cmds.TicketTransfer, actor: Actor, now: datetime
) -> list[ev.Event]:
    t = _called(state, cmd.window)
    if cmd.to_window == cmd.window:
        raise Refused("same_window", f"{t.number} is already at window {cmd.window}")
    _, target = _window(hall, state, cmd.to_window)
    if target.phase == "closed":
        raise Refused("window_closed", f"window {cmd.to_window} is closed")
    if serving_status(target) in ("unstaffed", "uncovered") and not actor.is_manager:
        raise Refused(
            "target_unstaffed",
            f"nobody staffs window {cmd.to_window} now; transfer elsewhere (or ask the director)",
        )
    first, _ = _serving_now(hall, state, cmd.window, actor, now)
    return [*first, _moved(hall, t, cmd.window, cmd.to_window, now)]


def _moved(hall: HallConfig, t: Ticket, window: int, to: int, now: datetime) -> ev.Event:
    """A transfer keeps the resident's place: the target calls it before its own tickets."""
    moved = replace(t, status="waiting", window=to, called_at=None, recalls=0, transferred_at=now)
    return ev.TicketTransferred(hall=hall.id, at=now, ticket=moved, window=window, to_window=to)


def close_window(
    hall: HallConfig, state: State, cmd: cmds.WindowClose, actor: Actor, now: datetime
) -> list[ev.Event]:
    """The director closes a window in extended service that nobody serves: its residents
    go to `transfer_to`, keeping their place, or their tickets end (`ticket.closed`)."""
    wcfg, w = _window(hall, state, cmd.window)
    if w.phase != "extended":
        raise Refused(
            "not_extended",
            f"window {w.number} is not in extended service; windows open and close on their "
            "own by the hall's hours",
        )
    if cmd.transfer_to is not None:
        if cmd.transfer_to == cmd.window:
            raise Refused("same_window", f"window {cmd.window} is the window being closed")
        _, target = _window(hall, state, cmd.transfer_to)
        if target.phase == "closed":
            raise Refused("window_closed", f"window {cmd.transfer_to} is closed")
    out: list[ev.Event] = []
    for t in _left_at(hall, state, wcfg):
        if cmd.transfer_to is not None:
            out.append(_moved(hall, t, cmd.window, cmd.transfer_to, now))
        else:
            out.append(
                ev.TicketClosed(
                    hall=hall.id, at=now, ticket=t, window=cmd.window, reason="window_closed"
                )
            )
    return [*out, *closing(hall, w, now, by=actor.staff)]


def _left_at(hall: HallConfig, state: State, wcfg: Window) -> list[Ticket]:
    """The tickets only this window will serve: the one at its counter, those transferred
    to it, and those of its services that no other open window may call."""
    others = {
        s
        for o in hall.windows
        if o.number != wcfg.number
        and (ow := state.window(o.number)) is not None
        and ow.phase != "closed"
        for s in o.services
    }
    return [
        t
        for t in state.tickets
        if t.window == wcfg.number
        or (t.window is None and t.service in wcfg.services and t.service not in others)
    ]


def rate(
    hall: HallConfig, state: State, cmd: cmds.RatingGive, actor: Actor, now: datetime
) -> list[ev.Event]:
    """好差评: the resident rates their own ticket (its key), or the window's rating pad the
    ticket finished last there; once, within `rating_within` of the finish."""
    if actor.kind == "resident":
        if cmd.ticket is not None and cmd.ticket != actor.ticket:
            raise Forbidden("a ticket's key rates that ticket only")
        done = _finished(state, lambda f: f.ticket.number == actor.ticket)
        if done is not None and done.window != cmd.window:
            done = None
    else:
        done = _finished(state, lambda f: f.window == cmd.window)
        if done is not None and cmd.ticket is not None and cmd.ticket != done.ticket.number:
            done = None
    if done is None or now - done.at > hall.rules.rating_within:
        raise Refused("no_ticket", f"no ticket was finished at window {cmd.window} just now")
    if done.rated:
        raise Refused("already_rated", f"{done.ticket.number} has been rated already")
    source = {"resident": "ticket", "rating": "pad"}.get(actor.kind, "admin")
    return [
        ev.RatingGiven(
            hall=hall.id,
            at=now,
            window=cmd.window,
            ticket=done.ticket,
            staff=done.staff,
            score=cmd.score,
            source=source,  # type: ignore[arg-type]
            reasons=cmd.reasons,
        )
    ]


def _finished(state: State, match: Callable[[Finished], bool]) -> Finished | None:
    for f in reversed(state.finished):
        if match(f):
            return f
    return None
