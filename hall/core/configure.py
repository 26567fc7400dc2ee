"""A new version of the hall file put in force (`hall reload`, or a hub started with a changed
file): the events that hand the running hall over to it, ending with `hall.configured`.

The hall file is the rule book, so most of it needs no event: rules, hours, names, services
apply to every decision from here on. What the state holds about the old file is handed
over here, by the rules a clerk would expect:

- **A post given to another person** (Art. 14: staff change). The person leaving is done
  with it: their absence in progress is recorded as it stands (ending now), a B-post's
  cover in progress ends. The new person starts `off`, as at a session's start; during
  open hours the window stands unattended from now (the cover rule starts afresh: the
  B-post is told at once), but the new A-post is not late for a session they were not
  given: a handover never makes an `arrival.late`.
- **A window added** starts closed and opens with the hall's next session.
- **A window removed** closes now, as the director's `window.close` without a target: its
  cover and absence end, the ticket at its counter and those transferred to it end
  (`ticket.closed`, reason `window_closed`). `hall reload` refuses to remove a window that
  is not closed or that residents wait for (`in_use`), so this only happens in the race of
  a command landing between that check and the reload.
"""

from __future__ import annotations

from datetime import datetime

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.errors import Refused
from hall.core.model import State
from hall.staffing.posts import absence_recorded, closing


def configure(hall: HallConfig, state: State, now: datetime) -> list[ev.Event]:
    """The events that put `hall` (its `version`) in force; none when it is already."""
    if state.config == hall.version:
        return []
    out: list[ev.Event] = []
    for w in state.windows:
        wcfg = hall.window(w.number)
        if wcfg is None:
            out += [
                ev.TicketClosed(
                    hall=hall.id, at=now, ticket=t, window=w.number, reason="window_closed"
                )
                for t in state.tickets
                if t.window == w.number
            ]
            if w.phase != "closed":
                out += closing(hall, w, now)
            continue
        if wcfg.a != w.a.staff and w.absence is not None:
            out.append(absence_recorded(hall, w, now))
        if wcfg.b != w.b.staff and w.b.state == "covering":
            out.append(ev.CoverEnded(hall=hall.id, at=now, window=w.number))
    posts = tuple(ev.Posts(w.number, w.a, w.b) for w in hall.windows)
    out.append(ev.HallConfigured(hall=hall.id, at=now, version=hall.version, windows=posts))
    return out


def check_reconfigure(hall: HallConfig, state: State) -> None:
    """Refuse (409 `in_use`) a hall file that removes a window in use: open, serving, or
    with residents transferred to it; or a service with residents waiting for it."""
    for w in state.windows:
        if hall.window(w.number) is not None:
            continue
        held = [t.number for t in state.tickets if t.window == w.number]
        if w.phase != "closed" or held:
            what = f"{len(held)} ticket(s) held for it" if held else f"it is {w.phase}"
            raise Refused(
                "in_use",
                f"hall {hall.id}: window {w.number} is removed from the hall file but {what}; "
                "remove it after hours (or once its residents are served)",
            )
    codes = {s.code for s in hall.services}
    waiting = sorted({t.service for t in state.tickets if t.service not in codes})
    if waiting:
        raise Refused(
            "in_use",
            f"hall {hall.id}: service(s) {', '.join(waiting)} are removed from the hall file "
            "but residents hold tickets for them; remove them after hours",
        )
