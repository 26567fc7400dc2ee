"""Who may do what, and whether what they name exists (403 before 404, as the contract
orders the checks)."""

from __future__ import annotations

from hall.config import HallConfig
from hall.core import commands as cmds
from hall.core.errors import Forbidden, NotFound
from hall.core.model import Actor

_STAFF_KINDS = ("clerk", "director", "admin", "system")


def check(hall: HallConfig, cmd: cmds.Command, actor: Actor) -> None:
    if isinstance(cmd, cmds.TicketIssue):
        if actor.kind not in (*_STAFF_KINDS, "kiosk"):
            raise Forbidden(f"a {actor.kind} may not issue tickets")
        if hall.service(cmd.service) is None:
            raise NotFound("unknown_service", f"hall {hall.id} has no service {cmd.service!r}")
        return
    number: int = cmd.window  # type: ignore[attr-defined]
    _check_window(hall, cmd, actor, number)
    if hall.window(number) is None:
        raise NotFound("unknown_window", f"hall {hall.id} has no window {number}")
    if isinstance(cmd, cmds.TicketTransfer) and hall.window(cmd.to_window) is None:
        raise NotFound("unknown_window", f"hall {hall.id} has no window {cmd.to_window}")


def _check_window(hall: HallConfig, cmd: cmds.Command, actor: Actor, number: int) -> None:
    if actor.kind in ("admin", "system"):
        return
    if actor.kind == "director":
        if isinstance(cmd, cmds.RatingGive):
            raise Forbidden("ratings come from the resident's pad or the window's clerks")
        return
    w = hall.window(number)
    if actor.kind == "rating":
        if not isinstance(cmd, cmds.RatingGive) or actor.window != number:
            raise Forbidden(f"this rating pad only rates window {actor.window}")
        return
    if actor.kind != "clerk":
        raise Forbidden(f"a {actor.kind} device may not send {_tag(cmd)}")
    if w is None or actor.staff not in (w.a, w.b):
        raise Forbidden(f"{actor.staff} is neither the A- nor the B-post of window {number}")
    if isinstance(cmd, cmds.PresenceSet) and actor.staff != (w.a if cmd.post == "A" else w.b):
        raise Forbidden(f"{actor.staff} may only set their own post at window {number}")
    if isinstance(cmd, cmds.CoverStart | cmds.CoverEnd) and actor.staff != w.b:
        raise Forbidden(f"only the B-post of window {number} covers it")


def _tag(cmd: cmds.Command) -> str:
    return str(cmd.__struct_config__.tag)
