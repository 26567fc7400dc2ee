"""Ticket and rating commands -> events."""

from __future__ import annotations

from datetime import datetime

from msgspec.structs import replace

from hall.config import HallConfig, Window
from hall.core import commands as cmds
from hall.core import events as ev
from hall.core.errors import Refused
from hall.core.model import Actor, State, Ticket, WindowState
from hall.queue.order import next_for, next_number, serving


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


def call(
    hall: HallConfig, state: State, cmd: cmds.TicketCall, actor: Actor, now: datetime
) -> list[ev.Event]:
    wcfg, w = _window(hall, state, cmd.window)
    busy = serving(state, w.number)
    if busy is not None:
        raise Refused(
            "window_busy",
            f"window {w.number} is still serving {busy.number}; finish it or mark a no-show first",
        )
    t = next_for(state, wcfg)
    if t is None:
        raise Refused("no_ticket", f"nobody is waiting for window {w.number}")
    called = replace(t, status="called", window=w.number, called_at=now, recalls=0)
    return [
        ev.TicketCalled(
            hall=hall.id, at=now, ticket=called, window=w.number, staff=on_duty(w, actor)
        )
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
    return [
        ev.TicketRecalled(
            hall=hall.id, at=now, ticket=again, window=cmd.window, recalls=again.recalls
        )
    ]


def finish(
    hall: HallConfig, state: State, cmd: cmds.TicketFinish, actor: Actor, now: datetime
) -> list[ev.Event]:
    _, w = _window(hall, state, cmd.window)
    t = _called(state, cmd.window)
    return [
        ev.TicketFinished(
            hall=hall.id, at=now, ticket=t, window=cmd.window, staff=on_duty(w, actor)
        )
    ]


def no_show(
    hall: HallConfig, state: State, cmd: cmds.TicketNoShow, actor: Actor, now: datetime
) -> list[ev.Event]:
    t = _called(state, cmd.window)
    return [ev.TicketNoShow(hall=hall.id, at=now, ticket=t, window=cmd.window)]


def transfer(
    hall: HallConfig, state: State, cmd: cmds.TicketTransfer, actor: Actor, now: datetime
) -> list[ev.Event]:
    t = _called(state, cmd.window)
    if cmd.to_window == cmd.window:
        raise Refused("same_window", f"{t.number} is already at window {cmd.window}")
    _, target = _window(hall, state, cmd.to_window)
    if target.phase == "closed":
        raise Refused("window_closed", f"window {cmd.to_window} is closed")
    moved = replace(
        t, status="waiting", window=cmd.to_window, called_at=None, recalls=0, transferred_at=now
    )
    return [
        ev.TicketTransferred(
            hall=hall.id, at=now, ticket=moved, window=cmd.window, to_window=cmd.to_window
        )
    ]


def rate(
    hall: HallConfig, state: State, cmd: cmds.RatingGive, actor: Actor, now: datetime
) -> list[ev.Event]:
    _, w = _window(hall, state, cmd.window)
    done = w.last_finished
    if done is None or now - done.at > hall.rules.rating_within:
        raise Refused("no_ticket", f"no ticket was finished at window {w.number} just now")
    if done.rated:
        raise Refused("already_rated", f"{done.ticket.number} has been rated already")
    return [
        ev.RatingGiven(
            hall=hall.id,
            at=now,
            window=w.number,
            ticket=done.ticket,
            staff=done.staff,
            score=cmd.score,
        )
    ]
