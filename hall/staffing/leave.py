"""Registered leave (Art. 17(1) 请休假、公务外出): the director registers it, it takes effect on
its own when it starts and ends, and while it runs the clerk's absence is neither late nor
recorded; an A-post's window is offered to the B-post at once (不空岗)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.commands import LeaveCancel, LeaveRegister
from hall.core.errors import Invalid, NotFound, Refused
from hall.core.model import Actor, Leave, State
from hall.staffing.posts import absence_recorded

LONGEST = timedelta(days=366)


def register(
    hall: HallConfig, state: State, cmd: LeaveRegister, actor: Actor, now: datetime
) -> list[ev.Event]:
    if hall.person(cmd.staff) is None:
        raise NotFound("unknown_staff", f"hall {hall.id} has no staff {cmd.staff!r}")
    if cmd.until <= cmd.start:
        raise Invalid("invalid_field", "until: must be after from")
    if cmd.until - cmd.start > LONGEST:
        raise Invalid("invalid_field", "until: a leave lasts at most 366 days")
    for other in state.leaves:
        if other.staff == cmd.staff and other.start < cmd.until and cmd.start < other.until:
            raise Refused(
                "leave_overlaps",
                f"{cmd.staff} already has leave {other.id} "
                f"({other.start.isoformat()} to {other.until.isoformat()})",
                leave=other.id,
            )
    return [
        ev.LeaveRegistered(
            hall=hall.id,
            at=now,
            leave=f"L{state.serial + 1}",
            staff=cmd.staff,
            kind=cmd.kind,
            start=cmd.start.astimezone(hall.tz),
            until=cmd.until.astimezone(hall.tz),
            note=cmd.note,
            by=actor.staff,
        )
    ]


def cancel(
    hall: HallConfig, state: State, cmd: LeaveCancel, actor: Actor, now: datetime
) -> list[ev.Event]:
    leave = next((lv for lv in state.leaves if lv.id == cmd.leave), None)
    if leave is None:
        raise NotFound("unknown_leave", f"there is no leave {cmd.leave!r} to cancel (over?)")
    out = ended(hall, state, leave, now) if leave.running else []
    out.append(ev.LeaveCancelled(hall=hall.id, at=now, leave=leave.id, staff=leave.staff))
    return out


def next_change(state: State) -> tuple[Leave, datetime] | None:
    """The leave that starts or ends next, and when."""
    best: tuple[Leave, datetime] | None = None
    for leave in state.leaves:
        at = leave.until if leave.running else max(leave.start, leave.registered)
        if best is None or at < best[1]:
            best = (leave, at)
    return best


def change(hall: HallConfig, state: State, leave: Leave, at: datetime) -> list[ev.Event]:
    """The leave starting or ending at `at`."""
    if leave.running:
        return ended(hall, state, leave, at)
    out: list[ev.Event] = []
    # An absence running when the leave begins ends there (it is not absence from then).
    for w in state.windows:
        if w.a.staff == leave.staff and w.absence is not None:
            out.append(absence_recorded(hall, w, at))
    out.append(ev.LeaveStarted(hall=hall.id, at=at, leave=leave.id, staff=leave.staff))
    return out


def ended(hall: HallConfig, state: State, leave: Leave, at: datetime) -> list[ev.Event]:
    return [ev.LeaveEnded(hall=hall.id, at=at, leave=leave.id, staff=leave.staff)]
