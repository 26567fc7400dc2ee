"""The director's alerts as live issues, derived from the state: each lasts exactly as long
as its cause (DESIGN 3), so nothing resolved ever shows as current. `alert.ack` records who
acknowledged one; an acknowledged alert stays current until its cause ends."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.commands import AlertAck
from hall.core.errors import Refused
from hall.core.model import Actor, State, WindowState
from hall.core.timers import overdue_at
from hall.queue.order import serving, waiting_for
from hall.staffing.status import covering_elsewhere

AlertKind = Literal["uncovered", "stranded", "b_unavailable", "overdue"]


class Alert(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str  # stable while the cause lasts: "uncovered-3-1767236400000"
    kind: AlertKind
    since: datetime
    window: int | None = None
    staff: str | None = None  # the B-post called (uncovered, b_unavailable)
    a_staff: str | None = None  # the A-post whose absence it is
    escalated: bool = False
    waiting: int = 0  # residents left without service (stranded)
    ticket: str | None = None  # overdue
    reason: str | None = None  # b_unavailable: "covering" (another window) | "leave"
    elsewhere: int | None = None  # b_unavailable by covering: that window
    acked: bool = False


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def current(hall: HallConfig, state: State) -> list[Alert]:
    """Every alert whose cause holds in `state`: windows first, by number, then residents
    waiting past the SLA, oldest first."""
    out: list[Alert] = []
    for wcfg in hall.windows:
        w = state.window(wcfg.number)
        if w is None or w.phase == "closed" or w.attended:
            continue
        alert = _window_alert(state, w, waiting_for(state, wcfg))
        if alert is not None:
            out.append(alert)
    out += [
        Alert(
            f"overdue-{t.number}",
            "overdue",
            overdue_at(t, hall.rules.wait_sla),
            t.window,
            ticket=t.number,
        )
        for t in state.tickets
        if t.overdue and t.status == "waiting"
    ]
    acked = set(state.acked)
    return [msgspec.structs.replace(a, acked=True) if a.id in acked else a for a in out]


def _window_alert(state: State, w: WindowState, waiting: int) -> Alert | None:
    n = w.number
    if w.cover_requested_at is not None:
        stranded = w.phase == "extended" and (waiting or serving(state, n) is not None)
        if stranded:
            since = w.extended_since or w.cover_requested_at
            return Alert(
                f"stranded-{n}-{_ms(since)}",
                "stranded",
                since,
                n,
                w.b.staff,
                w.a.staff,
                w.escalated,
                waiting=waiting,
            )
        since = w.cover_requested_at
        return Alert(
            f"uncovered-{n}-{_ms(since)}", "uncovered", since, n, w.b.staff, w.a.staff, w.escalated
        )
    if w.cover_deadline is None or w.unattended_since is None:
        return None
    elsewhere = covering_elsewhere(state, w.b.staff, n)
    on_leave = state.on_leave(w.b.staff) is not None
    if elsewhere is None and not on_leave:
        return None
    since = w.unattended_since
    return Alert(
        f"b-{n}-{_ms(since)}",
        "b_unavailable",
        since,
        n,
        w.b.staff,
        w.a.staff,
        reason="covering" if elsewhere is not None else "leave",
        elsewhere=elsewhere,
    )


def ack(
    hall: HallConfig, state: State, cmd: AlertAck, actor: Actor, now: datetime
) -> list[ev.Event]:
    alerts = {a.id: a for a in current(hall, state)}
    found = alerts.get(cmd.alert)
    if found is None:
        raise Refused("no_alert", f"alert {cmd.alert!r} is not current (resolved already?)")
    if found.acked:
        return []
    return [ev.AlertAcked(hall=hall.id, at=now, alert=cmd.alert, by=actor.staff or actor.kind)]
