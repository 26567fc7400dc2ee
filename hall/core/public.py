"""The state as the contract shows it: `GET /api/halls/{hall}/state`, the events socket's
snapshot, and what every screen renders from.

`detail=False` is the public variant (the wall, anonymous readers): a window's status and
who serves, but not the staff's away reasons, minutes or cover deadlines, unless the hall
file sets `public_detail = true`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.core.alerts import current
from hall.core.model import Post, State, Ticket, WindowState
from hall.queue.order import hall_queue, serving, waiting_for
from hall.staffing.status import serving_status, window_status


def _name(hall: HallConfig, staff: str) -> str:
    person = hall.person(staff)
    return person.name if person else staff


def _post(hall: HallConfig, p: Post, detail: bool) -> dict[str, Any]:
    """`since` stays in the public shape but is null there: no minutes to count."""
    out: dict[str, Any] = {
        "staff": p.staff,
        "name": _name(hall, p.staff),
        "state": p.state,
        "since": p.since if detail else None,
    }
    if detail and p.reason is not None:
        out["reason"] = p.reason
    return out


def _cover(w: WindowState) -> dict[str, Any]:
    """The cover rule's progress for this window's spell without its A-post."""
    return {
        "needed": w.cover_deadline is not None and not w.attended,
        "deadline": w.cover_deadline,
        "requested": w.cover_requested_at is not None,
        "escalated": w.escalated,
        "since": w.unattended_since,
    }


def public_state(
    hall: HallConfig, state: State, now: datetime, last_event_id: str, *, detail: bool = True
) -> dict[str, Any]:
    detail = detail or hall.public_detail
    windows: list[dict[str, Any]] = []
    staffed = open_ = 0
    for wcfg in hall.windows:
        w = state.window(wcfg.number)
        if w is None:  # a window of a new hall file, a moment before `hall.configured` adds it
            continue
        status = window_status(w)
        serves = serving_status(w)
        staffed += status != "closed" and serves in ("staffed", "covered")
        open_ += status != "closed"
        window: dict[str, Any] = {
            "number": wcfg.number,
            "name": wcfg.name,
            "status": status,
            "serving_status": serves if status != "closed" else "closed",
            "services": list(wcfg.services),
            "a": _post(hall, w.a, detail),
            "b": _post(hall, w.b, detail),
            "serving": serving(state, wcfg.number),
            "waiting": waiting_for(state, wcfg),
            "arrived": w.arrived,  # 未到岗 (not yet) or 已离岗 (came, then went off)
        }
        if detail:
            window["cover"] = _cover(w)
        windows.append(window)
    queue: list[Ticket] = hall_queue(state)
    called = sum(1 for t in queue if t.status == "called")
    out: dict[str, Any] = {
        "hall": hall.id,
        "name": hall.name,
        "at": now.astimezone(hall.tz),
        "last_event_id": last_event_id,
        "open": state.closes_at is not None,
        "windows": windows,
        "queue": queue,
        "occupancy": {
            "in_hall": len(queue),
            "waiting": len(queue) - called,
            "being_served": called,
            "staffed_windows": staffed,
            "open_windows": open_,
            "windows": len(hall.windows),
        },
    }
    if detail:
        out["alerts"] = current(hall, state)
        out["leaves"] = list(state.leaves)
    return out
