"""decide(hall, state, command, actor, now) -> events.

Every decision first brings the state up to `now` (time rules that fell due are applied, in
order, stamped when they were due), then applies the command, then settles what the command
changed (an extended window with nobody left closes; a cover ended past the deadline is
requested again). So a command never acts on a stale picture, and a late ticker and a
command racing a deadline reach the same outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.core import alerts
from hall.core import commands as cmds
from hall.core import events as ev
from hall.core.access import check
from hall.core.configure import configure as configured
from hall.core.errors import Forbidden
from hall.core.evolve import evolve
from hall.core.model import Actor, State
from hall.core.timers import due, next_deadline, settle
from hall.queue import tickets
from hall.staffing import appeals, leave, posts

_MAX_STEPS = 100_000  # a guard: each step consumes a deadline, so this is never reached

Handler = Callable[[HallConfig, State, Any, Actor, datetime], list[ev.Event]]
_HANDLERS: dict[type[cmds.Command], Handler] = {
    cmds.PresenceSet: posts.set_presence,
    cmds.CoverStart: posts.start_cover,
    cmds.CoverEnd: posts.end_cover,
    cmds.TicketIssue: tickets.issue,
    cmds.TicketCall: tickets.call,
    cmds.TicketRecall: tickets.recall,
    cmds.TicketFinish: tickets.finish,
    cmds.TicketNoShow: tickets.no_show,
    cmds.TicketTransfer: tickets.transfer,
    cmds.RatingGive: tickets.rate,
    cmds.WindowClose: tickets.close_window,
    cmds.LeaveRegister: leave.register,
    cmds.LeaveCancel: leave.cancel,
    cmds.AlertAck: alerts.ack,
    cmds.AppealFile: appeals.file_appeal,
    cmds.AppealDecide: appeals.decide_appeal,
}


def advance(hall: HallConfig, state: State, now: datetime) -> tuple[State, list[ev.Event]]:
    """Apply every time rule due at or before `now`."""
    out: list[ev.Event] = []
    for _ in range(_MAX_STEPS):
        at = next_deadline(hall, state)
        if at is None or at > now:
            return state, out
        fired = due(hall, state, at, now)
        if not fired:
            if at == now:  # a rule that takes hold only once its moment has passed
                return state, out
            raise AssertionError(f"deadline {at} fired nothing")  # would loop forever
        state = _apply(state, fired, out)
    raise AssertionError("time rules did not settle")


def execute(
    hall: HallConfig,
    state: State,
    command: cmds.Command | cmds.Tick,
    actor: Actor,
    now: datetime,
    *,
    configure: bool = True,
) -> tuple[State, list[ev.Event]]:
    """decide and evolve in one pass: the new state and the events that lead to it.
    `configure`: once time has caught up, put the hall file's version on record
    (`hall.configured`) if the state's is another (the engine asks for it once per hall
    after loading its files)."""
    now = now.astimezone(hall.tz)
    if isinstance(command, cmds.Tick):
        if actor.kind != "system":
            raise Forbidden("only the system's clock ticks")
    else:
        check(hall, command, actor)
    state, out = advance(hall, state, now)
    if configure and (handover := configured(hall, state, now)):
        state = _apply(state, handover, out)
        if isinstance(command, cmds.Tick):  # e.g. the B-post told of a post handed over
            state, later = advance(hall, state, now)
            out.extend(later)
    if isinstance(command, cmds.Tick):
        return state, out
    made = _HANDLERS[type(command)](hall, state, command, actor, now)
    if not made:
        return state, out
    state = _apply(state, made, out)
    state = _apply(state, settle(hall, state, now), out)
    state, later = advance(hall, state, now)
    out.extend(later)
    return state, out


def _apply(state: State, events: list[ev.Event], out: list[ev.Event]) -> State:
    """Evolve `state` by each event in turn, numbering discipline records as they come (R<n>
    follows the state each applies to), and add them to `out`."""
    for e in events:
        e = appeals.numbered(state, e)
        state = evolve(state, e)
        out.append(e)
    return state


def decide(
    hall: HallConfig, state: State, command: cmds.Command | cmds.Tick, actor: Actor, now: datetime
) -> list[ev.Event]:
    return execute(hall, state, command, actor, now)[1]
