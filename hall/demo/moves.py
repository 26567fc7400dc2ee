"""What the people in the hall do at each step of `hall demo`: the posts' moves
(`staff_moves`), the clerk's at each window (`desk_move`), the residents who take a ticket
(`due_residents`), all read off `WindowFacts`s of the hall's state."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from hall.config import HallConfig
from hall.core import Actor, Command, State
from hall.core import commands as cmds
from hall.core.model import AwayReason, Phase, PostName, PostState, WindowStatus
from hall.demo.plan import (
    Arrive,
    CoverUp,
    Intent,
    Outing,
    RegisterLeave,
    Resident,
    Return,
    _minutes,
)
from hall.queue.order import serving, waiting_for
from hall.staffing.status import window_status

KIOSK = Actor("kiosk")
DIRECTOR = Actor("director", staff="director")  # the hall's director stands in for it


# -- what the simulation sees -------------------------------------------------------------


@dataclass(frozen=True)
class WindowFacts:
    number: int
    name: str
    services: tuple[str, ...]
    status: WindowStatus
    phase: Phase
    a: str
    b: str
    a_state: PostState
    b_state: PostState
    reason: AwayReason | None
    serving: str | None  # the ticket called at the window
    waiting: int
    escalated: bool = False  # the cover request went to the director

    @property
    def on_duty(self) -> str | None:
        """Who serves at the window now: the A-post, or the B-post covering; else nobody."""
        if self.a_state == "present":
            return self.a
        if self.b_state == "covering":
            return self.b
        return None


def window_facts(hall: HallConfig, state: State) -> dict[int, WindowFacts]:
    out: dict[int, WindowFacts] = {}
    for wcfg in hall.windows:
        w = state.window(wcfg.number)
        assert w is not None
        called = serving(state, wcfg.number)
        out[wcfg.number] = WindowFacts(
            number=wcfg.number,
            name=wcfg.name,
            services=wcfg.services,
            status=window_status(w),
            phase=w.phase,
            a=w.a.staff,
            b=w.b.staff,
            a_state=w.a.state,
            b_state=w.b.state,
            reason=w.a.reason,
            serving=called.number if called else None,
            waiting=waiting_for(state, wcfg),
            escalated=w.escalated,
        )
    return out


# -- moves: what the people in the hall do -----------------------------------------------


@dataclass(frozen=True)
class Move:
    command: Command
    actor: Actor
    note: str | None = None  # said on the console when the move is made


def _clerk(staff: str) -> Actor:
    return Actor("clerk", staff=staff)


def due_residents(
    residents: Sequence[Resident], now: datetime
) -> tuple[list[Move], list[Resident]]:
    """Residents who have reached the kiosk: (their ticket.issue moves, those still to come)."""
    cut = 0
    while cut < len(residents) and residents[cut].at <= now:
        cut += 1
    moves = [
        Move(cmds.TicketIssue(service=r.service, priority=r.priority), KIOSK)
        for r in residents[:cut]
    ]
    return moves, list(residents[cut:])


def staff_moves(
    views: dict[int, WindowFacts],
    intents: Sequence[Intent],
    now: datetime,
    director: Actor = DIRECTOR,
) -> tuple[list[Move], list[Intent]]:
    """The posts' moves due at `now`: (moves, the intents still pending, with new ones)."""
    moves: list[Move] = []
    pending: list[Intent] = []
    for intent in intents:
        if intent.at > now:
            pending.append(intent)
            continue
        made, later = _act(intent, views[intent.window], now, director)
        moves += made
        pending += later
    return moves, pending


def _act(
    intent: Intent, v: WindowFacts, now: datetime, director: Actor
) -> tuple[list[Move], list[Intent]]:
    """One intent due at `now`: (the moves it makes, the intents it leaves pending)."""
    moves: list[Move] = []
    pending: list[Intent] = []
    n = intent.window
    if isinstance(intent, Arrive):
        mine = v.a_state if intent.post == "A" else v.b_state
        if mine == "off":
            staff = v.a if intent.post == "A" else v.b
            moves.append(
                Move(cmds.PresenceSet(window=n, post=intent.post, state="present"), _clerk(staff))
            )
    elif isinstance(intent, Outing):
        return _go_out(intent, v, now)
    elif isinstance(intent, RegisterLeave):
        minutes = (intent.until - intent.start).total_seconds() / 60
        moves.append(
            Move(
                cmds.LeaveRegister(
                    staff=v.a, kind=intent.kind, start=intent.start, until=intent.until
                ),
                director,
                f"the director registers {intent.kind} for A-post {v.a} from "
                f"{intent.start:%H:%M} for {minutes:.0f} min: not an absence, B covers",
            )
        )
        pending.append(Outing(intent.start, n, "field", minutes, 1.5))
    elif isinstance(intent, CoverUp):
        if v.a_state != "present" and v.b_state != "covering":
            moves.append(Move(cmds.CoverStart(window=n), _clerk(v.b)))
    elif isinstance(intent, Return):
        if v.a_state != "present":
            moves.append(Move(cmds.PresenceSet(window=n, post="A", state="present"), _clerk(v.a)))
    elif v.phase != "closed":  # Depart: wait for the extended service to end
        pending.append(intent)
    else:
        posts: tuple[tuple[PostName, str, PostState], ...] = (
            ("A", v.a, v.a_state),
            ("B", v.b, v.b_state),
        )
        for post, staff, state in posts:
            if state != "off":
                off = cmds.PresenceSet(window=n, post=post, state="off")
                moves.append(Move(off, _clerk(staff)))
    return moves, pending


def _go_out(intent: Outing, v: WindowFacts, now: datetime) -> tuple[list[Move], list[Intent]]:
    """The A-post goes away, once the resident at the window is served: (the move, the
    B-post's cover if any and the A-post's return, pending)."""
    if v.phase != "open":
        return [], []  # the session ended first: the outing is dropped
    if v.a_state != "present" or v.serving is not None:
        return [], [intent]  # finish the resident at the window first
    n = intent.window
    pending: list[Intent] = []
    note = f"A-post {v.a} goes away ({intent.reason}) for {intent.minutes:.0f} min; "
    if intent.cover_after is None:
        note += "nobody covers"
    else:
        pending.append(CoverUp(now + timedelta(minutes=intent.cover_after), n))
        late = " (late: after the cover request and its escalation)" * intent.late
        note += f"B-post {v.b} covers after {intent.cover_after:.0f} min{late}"
    pending.append(Return(now + timedelta(minutes=intent.minutes), n))
    away = cmds.PresenceSet(window=n, post="A", state="away", reason=intent.reason)
    return [Move(away, _clerk(v.a), note)], pending


Step = Literal["finish", "recall", "no_show", "transfer"]


@dataclass(frozen=True)
class Desk:
    """The simulation's memory of one window: the resident being served and what happens
    next to them, and when the clerk will call the next one."""

    ticket: str | None = None
    steps: tuple[tuple[datetime, Step], ...] = ()
    ready_at: datetime = datetime(1970, 1, 1, tzinfo=UTC)


def plan_visit(ticket: str, now: datetime, rng: random.Random) -> Desk:
    """What will happen to a resident just called: mostly served in 2-8 minutes; sometimes
    recalled (and then comes, or is a no-show); now and then sent to another window."""
    service = timedelta(minutes=rng.triangular(2.0, 8.0, 3.5))
    minute = timedelta(minutes=1)
    roll = rng.random()
    steps: tuple[tuple[datetime, Step], ...]
    if roll < 0.05:
        steps = (
            (now + minute, "recall"),
            (now + 2 * minute, "recall"),
            (now + 3 * minute, "no_show"),
        )
    elif roll < 0.11:
        steps = ((now + minute, "recall"), (now + minute + service, "finish"))
    elif roll < 0.15:
        steps = ((now + _minutes(rng, 1.5, 3.0), "transfer"),)
    else:
        steps = ((now + service, "finish"),)
    return Desk(ticket, steps)


def transfer_target(
    views: dict[int, WindowFacts], source: WindowFacts, rng: random.Random
) -> int | None:
    """Another open, attended window with other services: where the resident belongs."""
    targets = [
        v.number
        for v in views.values()
        if v.number != source.number
        and v.phase == "open"
        and v.on_duty is not None
        and not set(v.services) & set(source.services)
    ]
    return rng.choice(targets) if targets else None


def desk_move(
    view: WindowFacts,
    desk: Desk,
    views: dict[int, WindowFacts],
    now: datetime,
    rng: random.Random,
    *,
    holding: bool = False,
) -> tuple[Move | None, Desk]:
    """The clerk on duty at one window: the move due now, if any, and the updated memory.
    `holding`: the clerk means to step away, so calls nobody new."""
    staff = view.on_duty
    if staff is None or view.phase == "closed":
        return None, desk
    clerk = _clerk(staff)
    n = view.number
    if view.serving is None:
        if view.waiting and now >= desk.ready_at and not holding:
            return Move(cmds.TicketCall(window=n), clerk), desk
        return None, desk
    if view.serving != desk.ticket:
        desk = replace(plan_visit(view.serving, now, rng), ready_at=desk.ready_at)
    if not desk.steps or desk.steps[0][0] > now:
        return None, desk
    step = desk.steps[0][1]
    rest = desk.steps[1:]
    if step == "recall":
        return Move(cmds.TicketRecall(window=n), clerk), replace(desk, steps=rest)
    done = Desk(ready_at=now + timedelta(seconds=rng.uniform(15, 50)))
    if step == "transfer":
        target = transfer_target(views, view, rng)
        if target is not None:
            return Move(cmds.TicketTransfer(window=n, to_window=target), clerk), done
        step = "finish"
    if step == "no_show":
        return Move(cmds.TicketNoShow(window=n), clerk), done
    return Move(cmds.TicketFinish(window=n), clerk), done
