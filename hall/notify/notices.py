"""What fires: the log's events that call for someone away from the screens, as notices.

`cover.needed`, `cover.requested` and `cover.escalated` are events of their own;
`overdue` is the event `ticket.overdue`; `stranded` (a window past closing with residents
waiting and nobody to serve them, `hall.core.alerts`) is an alert derived from the state,
which appears with `window.extended` while cover is requested, or with `cover.requested`
while the window is extended. Each notice names the people it concerns.

A notice is sent only while its cause holds (`is_current`): an entry handled late (after a
hub's crash, or a retry with backoff) whose cause has ended (the A-post is back, the B-post
covers, the resident was called) is dropped, never announced as if it were current.
Pure: the state passed in is the hall's state when the entry is handled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import msgspec

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.alerts import current
from hall.core.model import PostState, State

NoticeKind = Literal["cover.needed", "cover.requested", "cover.escalated", "stranded", "overdue"]
# The log's event types that may give a notice (the notifier loads the state only for them).
SOURCES = frozenset(
    {"cover.needed", "cover.requested", "cover.escalated", "ticket.overdue", "window.extended"}
)


class Notice(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: str  # "<event id>/<kind>": one per message, the receivers' idempotency key
    event: str  # the stream id of the event it comes from
    hall: str
    kind: NoticeKind
    at: datetime
    window: int | None = None
    staff: tuple[str, ...] = ()  # whom it concerns: the B-post told; A and B of the window
    deadline: datetime | None = None  # cover.needed: cover before this
    a_state: PostState | None = None
    a_leave: bool = False
    b_busy: Literal["covering", "leave"] | None = None
    waiting: int = 0  # stranded: residents left without service
    ticket: str | None = None  # overdue
    service: str | None = None  # overdue


def notices(hall: HallConfig, event_id: str, event: ev.Event, state: State) -> list[Notice]:
    """The notices `event` (stream id `event_id`) gives, of those whose cause still holds in
    `state`."""
    found = [n for n in _notices(hall, event_id, event, state) if is_current(hall, state, n)]
    return found


def _notices(hall: HallConfig, event_id: str, event: ev.Event, state: State) -> list[Notice]:
    def notice(kind: NoticeKind, **fields: Any) -> Notice:
        ident = f"{event_id}/{kind}"
        return Notice(id=ident, event=event_id, hall=hall.id, kind=kind, at=event.at, **fields)

    if isinstance(event, ev.CoverNeeded):
        return [
            notice(
                "cover.needed",
                window=event.window,
                staff=(event.staff,),
                deadline=event.deadline,
                a_state=event.a_state,
                a_leave=event.a_leave,
                b_busy=event.b_busy,
            )
        ]
    if isinstance(event, ev.CoverRequested):
        out = [
            notice(
                "cover.requested",
                window=event.window,
                staff=(event.staff,),
                a_state=event.a_state,
            )
        ]
        w = state.window(event.window)
        if w is not None and w.extended_since is not None and w.extended_since < event.at:
            out += _stranded(hall, state, event.window, notice)
        return out
    if isinstance(event, ev.CoverEscalated):
        return [notice("cover.escalated", window=event.window, staff=_b_post(hall, event.window))]
    if isinstance(event, ev.WindowExtended):
        w = state.window(event.window)
        requested = w.cover_requested_at if w is not None else None
        if requested is not None and requested <= event.at:
            return _stranded(hall, state, event.window, notice)
        return []
    if isinstance(event, ev.TicketOverdue):
        t = event.ticket
        windows = [t.window] if t.window is not None else _serving(hall, t.service)
        staff = _posts(hall, windows)
        return [notice("overdue", window=t.window, staff=staff, ticket=t.number, service=t.service)]
    return []


def _stranded(
    hall: HallConfig, state: State, window: int, notice: Callable[..., Notice]
) -> list[Notice]:
    for alert in current(hall, state):
        if alert.kind == "stranded" and alert.window == window:
            staff = _posts(hall, [window])
            return [notice("stranded", window=window, staff=staff, waiting=alert.waiting)]
    return []


def _b_post(hall: HallConfig, window: int) -> tuple[str, ...]:
    wcfg = hall.window(window)
    return (wcfg.b,) if wcfg is not None else ()


def _serving(hall: HallConfig, service: str) -> list[int]:
    return [w.number for w in hall.windows if service in w.services]


def _posts(hall: HallConfig, windows: list[int]) -> tuple[str, ...]:
    """The A- and B-posts of `windows`, each once, in order."""
    staff: list[str] = []
    for n in windows:
        wcfg = hall.window(n)
        if wcfg is not None:
            staff += [s for s in (wcfg.a, wcfg.b) if s not in staff]
    return tuple(staff)


def is_current(hall: HallConfig, state: State, notice: Notice) -> bool:
    """Whether the notice's cause still holds in `state`."""
    if notice.kind == "overdue":
        return any(t.number == notice.ticket and t.status == "waiting" for t in state.tickets)
    if notice.kind == "stranded":
        return any(a.kind == "stranded" and a.window == notice.window for a in current(hall, state))
    w = state.window(notice.window) if notice.window is not None else None
    if w is None or w.phase == "closed" or w.attended:
        return False
    if notice.kind == "cover.needed":
        return w.cover_deadline == notice.deadline
    if notice.kind == "cover.requested":
        return w.cover_requested_at == notice.at
    return w.escalated
