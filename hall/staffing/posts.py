"""Presence and cover commands -> events (DESIGN 3: arrival, off is not a loophole, B-post
states, one person one cover), and the events a window's spells end with."""

from __future__ import annotations

from datetime import datetime, timedelta

from hall.config import HallConfig, Window
from hall.core import events as ev
from hall.core.clock import minutes, seconds
from hall.core.commands import CoverEnd, CoverStart, PresenceSet
from hall.core.errors import Refused
from hall.core.model import Actor, State, WindowState
from hall.queue.order import serving, waiting_for
from hall.staffing.status import covering_elsewhere


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
    if cmd.post == "B":
        if post.state == "covering" and cmd.state == "present":
            raise Refused(
                "covering",
                f"{post.staff} is covering window {w.number}; end the cover to leave it",
            )
        if post.state == "covering" and cmd.state == "off":
            _check_may_leave(state, wcfg, actor)
    elif cmd.state == "off" and w.phase != "closed" and w.b.state != "covering":
        _check_may_leave(state, wcfg, actor)
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
    if cmd.post == "A" and cmd.state == "present":
        out += _arrived(hall, state, w, now)
    return out


def _check_may_leave(state: State, wcfg: Window, actor: Actor) -> None:
    """Going off is refused while a resident is at the counter, and (but for the director)
    while residents wait for the window."""
    called = serving(state, wcfg.number)
    if called is not None:
        raise Refused(
            "serving",
            f"{called.number} is being served at window {wcfg.number}; "
            "finish it (or mark a no-show, or transfer it) before going off duty",
        )
    if actor.is_manager:
        return
    waiting = waiting_for(state, wcfg)
    if waiting:
        raise Refused(
            "queue_not_empty",
            f"{waiting} resident(s) are waiting for window {wcfg.number}; "
            "serve them (or ask the director) before going off duty",
            waiting=waiting,
        )


def _arrived(hall: HallConfig, state: State, w: WindowState, now: datetime) -> list[ev.Event]:
    """The A-post is back (or arrives): the cover ends, an absence is recorded, and a first
    arrival past the grace is `arrival.late`."""
    out: list[ev.Event] = []
    if w.phase != "closed" and not w.arrived and w.expected is not None:
        late = now - w.expected
        if late > hall.rules.arrival_grace and state.on_leave(w.a.staff) is None:
            out.append(
                ev.ArrivalLate(
                    hall=hall.id,
                    at=now,
                    window=w.number,
                    staff=w.a.staff,
                    opened=w.expected,
                    arrived=now,
                    minutes=minutes(late),
                )
            )
    if w.b.state == "covering":
        out.append(ev.CoverEnded(hall=hall.id, at=now, window=w.number))
    if w.absence is not None:
        out.append(absence_recorded(hall, w, now))
    return out


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
        reason=w.absence.reason,
        covered_by=w.absence.covered_by,
        cover_started=w.absence.cover_started,
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


def closing(
    hall: HallConfig, w: WindowState, at: datetime, *, by: str | None = None
) -> list[ev.Event]:
    """A window closes: its cover and absence end with it, then `window.closed` with the
    extended service counted only while someone served."""
    served = extended_seconds(w, at) if w.phase == "extended" else {}
    return [
        *end_spells(hall, w, at),
        ev.WindowClosed(
            hall=hall.id,
            at=at,
            window=w.number,
            extended_minutes=minutes(timedelta(seconds=sum(served.values()))),
            served_by={staff: minutes(timedelta(seconds=s)) for staff, s in served.items()},
            by=by,
        ),
    ]


def extended_seconds(w: WindowState, at: datetime) -> dict[str, float]:
    """Seconds each person served the window in extended service, up to `at`."""
    served: dict[str, float] = {}
    for part in w.served:
        served[part.staff] = served.get(part.staff, 0.0) + part.seconds
    who = serving_staff(w)
    if who is not None and w.serving_since is not None:
        served[who] = served.get(who, 0.0) + (at - w.serving_since).total_seconds()
    return served


def serving_staff(w: WindowState) -> str | None:
    if w.a.state == "present":
        return w.a.staff
    if w.b.state == "covering":
        return w.b.staff
    return None


def start_cover(
    hall: HallConfig, state: State, cmd: CoverStart, actor: Actor, now: datetime
) -> list[ev.Event]:
    w = state.window(cmd.window)
    assert w is not None
    if w.phase == "closed":
        raise Refused("window_closed", f"window {w.number} is closed; there is nothing to cover")
    if w.a.state == "present":
        raise Refused(
            "a_post_present", f"the A-post of window {w.number} is present; no cover needed"
        )
    if w.b.state == "covering":
        raise Refused("already_covering", f"window {w.number} is already covered")
    elsewhere = covering_elsewhere(state, w.b.staff, w.number)
    if elsewhere is not None:
        raise Refused(
            "busy_elsewhere",
            f"{w.b.staff} is covering window {elsewhere}; one person covers one window",
            window=elsewhere,
        )
    return [ev.CoverStarted(hall=hall.id, at=now, window=w.number, staff=w.b.staff)]


def end_cover(
    hall: HallConfig, state: State, cmd: CoverEnd, actor: Actor, now: datetime
) -> list[ev.Event]:
    w = state.window(cmd.window)
    assert w is not None
    if w.b.state != "covering":
        raise Refused("not_covering", f"window {w.number} has no cover running")
    return [ev.CoverEnded(hall=hall.id, at=now, window=w.number)]


def serve_as(
    hall: HallConfig, state: State, w: WindowState, actor: Actor, now: datetime
) -> list[ev.Event]:
    """Serving is presence: the window's A-post who serves is present (`presence.changed`
    first), its B-post who serves while the A-post is not present covers
    (`cover.started` first). Nothing for anyone else."""
    if actor.kind != "clerk":
        return []
    if actor.staff == w.a.staff and w.a.state != "present":
        back = PresenceSet(window=w.number, post="A", state="present")
        return set_presence(hall, state, back, actor, now)
    if actor.staff == w.b.staff and not w.attended:
        return start_cover(hall, state, CoverStart(window=w.number), actor, now)
    return []
