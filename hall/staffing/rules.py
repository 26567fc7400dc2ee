"""Presence and cover commands -> events."""

from __future__ import annotations

from datetime import datetime

from hall.config import HallConfig, Window
from hall.core import events as ev
from hall.core.clock import minutes, seconds
from hall.core.commands import CoverEnd, CoverStart, PresenceSet
from hall.core.errors import Refused
from hall.core.model import Actor, State, WindowState
from hall.queue.order import waiting_for


def set_presence(
    hall: HallConfig, state: State, cmd: PresenceSet, actor: Actor, now: datetime
) -> list[ev.Event]:
    wcfg = hall.window(cmd.window)
    w = state.window(cmd.window)
    assert wcfg is not None and w is not None
    post = w.post(cmd.post)
    reason = (cmd.reason or "other") if cmd.state == "away" else None
    if post.state == cmd.state and post.reason == reason:
        return []
    serves = post.state == "covering" if cmd.post == "B" else w.b.state != "covering"
    if cmd.state == "off" and serves and not actor.is_manager:
        _refuse_if_queue(state, wcfg)
    out: list[ev.Event] = []
    if cmd.post == "B" and post.state == "covering":
        out.append(ev.CoverEnded(hall=hall.id, at=now, window=w.number))
    out.append(
        ev.PresenceChanged(
            hall=hall.id,
            at=now,
            window=w.number,
            post=cmd.post,
            staff=post.staff,
            state=cmd.state,
            reason=reason,
        )
    )
    if cmd.post == "A" and cmd.state == "present" and w.b.state == "covering":
        out.append(ev.CoverEnded(hall=hall.id, at=now, window=w.number))
    if cmd.post == "A" and cmd.state != "away" and w.absence is not None:
        out.append(absence_recorded(hall, w, now))
    return out


def _refuse_if_queue(state: State, wcfg: Window) -> None:
    waiting = waiting_for(state, wcfg)
    if waiting:
        raise Refused(
            "queue_not_empty",
            f"{waiting} resident(s) are waiting for window {wcfg.number}; "
            "serve them (or ask the director) before going off duty",
            waiting=waiting,
        )


def absence_recorded(hall: HallConfig, w: WindowState, now: datetime) -> ev.AbsenceRecorded:
    assert w.absence is not None
    span = now - w.absence.started
    return ev.AbsenceRecorded(
        hall=hall.id,
        at=now,
        window=w.number,
        staff=w.a.staff,
        started=w.absence.started,
        ended=now,
        seconds=seconds(span),
        minutes=minutes(span),
        covered_by=w.absence.covered_by,
        late=w.absence.late,
    )


def end_spells(hall: HallConfig, w: WindowState, at: datetime) -> list[ev.Event]:
    """A window closing ends its cover and its A-post's absence: the break is not absence."""
    out: list[ev.Event] = []
    if w.b.state == "covering":
        out.append(ev.CoverEnded(hall=hall.id, at=at, window=w.number))
    if w.absence is not None:
        out.append(absence_recorded(hall, w, at))
    return out


def start_cover(
    hall: HallConfig, state: State, cmd: CoverStart, actor: Actor, now: datetime
) -> list[ev.Event]:
    w = state.window(cmd.window)
    assert w is not None
    if w.a.state == "present":
        raise Refused(
            "a_post_present", f"the A-post of window {w.number} is present; no cover needed"
        )
    if w.b.state == "covering":
        raise Refused("already_covering", f"window {w.number} is already covered")
    return [ev.CoverStarted(hall=hall.id, at=now, window=w.number, staff=w.b.staff)]


def end_cover(
    hall: HallConfig, state: State, cmd: CoverEnd, actor: Actor, now: datetime
) -> list[ev.Event]:
    w = state.window(cmd.window)
    assert w is not None
    if w.b.state != "covering":
        raise Refused("not_covering", f"window {w.number} has no cover running")
    return [ev.CoverEnded(hall=hall.id, at=now, window=w.number)]
