"""Who may look at which screen or read the event log: HTTP and sockets share these rules."""

from __future__ import annotations

from hall.config import HallConfig
from hall.core import Actor
from hall.core.errors import Forbidden, Invalid
from hall.live import ids
from hall.live.views import View

PUBLIC_PAGES = ("wall", "ticket")


def may_view(hall: HallConfig, view: View, actor: Actor | None) -> bool:
    if view.page in PUBLIC_PAGES:
        return True
    if actor is None:
        return False
    if actor.kind in ("admin", "director"):
        return True
    if view.page == "tablet" and actor.kind == "clerk":
        window = hall.window(view.window or 0)
        return window is not None and actor.staff in (window.a, window.b)
    return False


def check_log_reader(actor: Actor) -> None:
    if actor.kind not in ("admin", "director", "integration"):
        raise Forbidden("reading the event log needs a director, admin or integration token")


def parse_after(value: str | None) -> str | None:
    """The `after` of a log read or a resume: a stream id, or None for "from the start"."""
    after = value or None
    if after is not None and ids.parse(after) is None:
        raise Invalid("invalid_field", "after: not a stream id like 1700000000000-0")
    return after
