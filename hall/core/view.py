"""The public state: what `GET /api/halls/{hall}/state` returns and the screens render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.core.model import Post, State, Ticket
from hall.queue.order import hall_queue, serving, waiting_for
from hall.staffing.status import window_status


def _name(hall: HallConfig, staff: str) -> str:
    person = hall.person(staff)
    return person.name if person else staff


def _post(hall: HallConfig, p: Post) -> dict[str, Any]:
    out: dict[str, Any] = {
        "staff": p.staff,
        "name": _name(hall, p.staff),
        "state": p.state,
        "since": p.since,
    }
    if p.reason is not None:
        out["reason"] = p.reason
    return out


def public_state(
    hall: HallConfig, state: State, now: datetime, last_event_id: str
) -> dict[str, Any]:
    windows: list[dict[str, Any]] = []
    staffed = open_ = 0
    for wcfg in hall.windows:
        w = state.window(wcfg.number)
        assert w is not None
        status = window_status(w)
        staffed += status in ("staffed", "covered")
        open_ += status != "closed"
        windows.append(
            {
                "number": wcfg.number,
                "name": wcfg.name,
                "status": status,
                "services": list(wcfg.services),
                "a": _post(hall, w.a),
                "b": _post(hall, w.b),
                "serving": serving(state, wcfg.number),
                "waiting": waiting_for(state, wcfg),
            }
        )
    queue: list[Ticket] = hall_queue(state)
    called = sum(1 for t in queue if t.status == "called")
    return {
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
