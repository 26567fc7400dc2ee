"""The ticket slip the kiosk prints: the `ticket_view` of the `ticket.issue` answer. It counts
only the windows that can call the ticket now (A-post present or B covering): a window
nobody staffs promises nothing, neither "you are next" nor a wait."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from hall.config import HallConfig
from hall.core.model import State
from hall.core.public import public_state
from hall.kiosk.page import plain
from hall.kiosk.positions import find_ticket, serving_windows, wait_minutes
from hall.kiosk.times import hhmm, parse_at
from hall.queue.order import lines


def ticket_slip(
    hall: HallConfig,
    state: Mapping[str, Any],
    number: str,
    at: Mapping[int, int],
    now: datetime,
    *,
    base_url: str = "",
    key: str = "",
    service_minutes: float | None = None,
) -> dict[str, Any]:
    """The slip of ticket `number` in the public `state`. `at` is where it stands in the line
    of each window that may call it (`hall.queue.order.lines`: window -> residents called
    first there). `base_url` (the hall's public address, "http://hall.local") makes the QR
    code's link absolute; `key` is the ticket's key, which the link carries (the resident
    follows and rates their ticket with it); `service_minutes` is today's average (see
    `hall.kiosk.counters`), a default is used without it.

    `windows` are the windows that can call it now and `ahead` the fewest residents any of
    them calls first; when none can, `windows` is empty, `wait_minutes` null and `ahead`
    counts at every window that may call it (`all_windows`), once someone serves there.
    KeyError when `number` is not in the queue."""
    data = plain(state)
    ticket = find_ticket(data, number)
    if ticket is None:
        raise KeyError(f"ticket {number} is not in the queue")
    serving = serving_windows(data)
    now_at = {w: n for w, n in at.items() if w in serving}
    ahead = min((now_at or at).values(), default=0)
    issued = parse_at(ticket.get("issued_at")) or now
    day = issued.astimezone(hall.tz).date()
    path = f"/halls/{quote(hall.id)}/tickets/{day}/{quote(number)}"
    query = f"?k={quote(key)}" if key else ""
    service = hall.service(str(ticket.get("service")))
    return {
        "number": number,
        "service": ticket.get("service"),
        "service_name": service.name if service else ticket.get("service"),
        "priority": bool(ticket.get("priority")),
        "issued_on": day.isoformat(),
        "issued_at": hhmm(hall, issued),
        "ahead": ahead,
        "wait_minutes": wait_minutes(data, list(now_at), ahead, service_minutes)
        if now_at
        else None,
        "windows": sorted(now_at),
        "all_windows": sorted(at),
        "url": base_url.rstrip("/") + path + query,
        # The QR image is its own request (segno takes ~4 ms): the issue command stays fast.
        "qr_url": f"{path}/qr.svg{query}",
    }


def slip_for(
    hall: HallConfig,
    state: State,
    version: str,
    number: str,
    now: datetime,
    *,
    base_url: str,
    key: str,
) -> dict[str, Any] | None:
    """The slip of a ticket just issued, from the hall's state (None once it is no longer
    waiting: called already by the time we look)."""
    at = lines(state, hall.windows, number)
    if at is None:
        return None
    public = public_state(hall, state, now, version, detail=False)
    return ticket_slip(hall, public, number, at, now, base_url=base_url, key=key)
