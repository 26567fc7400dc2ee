"""Who may look at which screen: pages and their view sockets share these rules."""

from __future__ import annotations

from hall.config import HallConfig
from hall.core import Actor
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
