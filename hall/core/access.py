"""Who may do what, and whether what they name exists (403 before 404, as the contract
orders the checks): commands, screens, the event log; and who a token's claims are."""

from __future__ import annotations

import hmac
from typing import Any

from hall.config import HallConfig
from hall.core import commands as cmds
from hall.core.errors import Forbidden, NotFound
from hall.core.model import Actor

_STAFF_KINDS = ("clerk", "director", "admin", "system")
_MANAGERS = ("director", "admin", "system")
# Commands of the director's office: leave, alerts, closing a window early.
_MANAGED = (
    cmds.LeaveRegister,
    cmds.LeaveCancel,
    cmds.AlertAck,
    cmds.WindowClose,
    cmds.AppealDecide,
)


def check(hall: HallConfig, cmd: cmds.Command, actor: Actor) -> None:
    if isinstance(cmd, cmds.TicketIssue):
        if actor.kind not in (*_STAFF_KINDS, "kiosk"):
            raise Forbidden(f"a {actor.kind} may not issue tickets")
        if hall.service(cmd.service) is None:
            raise NotFound("unknown_service", f"hall {hall.id} has no service {cmd.service!r}")
        return
    if isinstance(cmd, cmds.AppealFile):
        if actor.kind not in ("clerk", "admin"):
            raise Forbidden("an appeal is filed by the clerk whose record it is")
        return  # whose record it is: `hall.staffing.appeals` (it needs the state)
    if isinstance(cmd, _MANAGED):
        if actor.kind not in _MANAGERS:
            raise Forbidden(f"{_tag(cmd)} is for the director")
        if not isinstance(cmd, cmds.WindowClose):
            return
    number: int = cmd.window  # type: ignore[attr-defined]
    _check_window(hall, cmd, actor, number)
    if hall.window(number) is None:
        raise NotFound("unknown_window", f"hall {hall.id} has no window {number}")
    for other in (getattr(cmd, "to_window", None), getattr(cmd, "transfer_to", None)):
        if other is not None and hall.window(other) is None:
            raise NotFound("unknown_window", f"hall {hall.id} has no window {other}")


def _check_window(hall: HallConfig, cmd: cmds.Command, actor: Actor, number: int) -> None:
    if isinstance(cmd, cmds.RatingGive):
        _check_rating(actor, number)
        return
    if actor.kind in _MANAGERS:
        return
    if actor.kind != "clerk":
        raise Forbidden(f"a {actor.kind} may not send {_tag(cmd)}")
    w = hall.window(number)
    if w is None or actor.staff not in (w.a, w.b):
        raise Forbidden(f"{actor.staff} is neither the A- nor the B-post of window {number}")
    if isinstance(cmd, cmds.PresenceSet) and actor.staff != (w.a if cmd.post == "A" else w.b):
        raise Forbidden(f"{actor.staff} may only set their own post at window {number}")
    if isinstance(cmd, cmds.CoverStart | cmds.CoverEnd) and actor.staff != w.b:
        raise Forbidden(f"only the B-post of window {number} covers it")


def _check_rating(actor: Actor, number: int) -> None:
    """好差评 comes from the resident: the window's rating pad or their own ticket's key."""
    if actor.kind in ("admin", "system", "resident"):
        return
    if actor.kind == "rating":
        if actor.window != number:
            raise Forbidden(f"this rating pad only rates window {actor.window}")
        return
    if actor.kind in ("clerk", "director"):
        raise Forbidden("staff cannot rate; ratings come from the resident")
    raise Forbidden(f"a {actor.kind} may not rate")


def _tag(cmd: cmds.Command) -> str:
    return str(cmd.__struct_config__.tag)


# -- screens and the log -------------------------------------------------------------------

PUBLIC_PAGES = ("wall", "ticket")


def may_view(
    hall: HallConfig,
    page: str,
    window: int | None,
    actor: Actor | None,
    staff: str | None = None,
) -> bool:
    """Whether `actor` (None: anonymous) may look at a screen: `page` is its template set
    (wall, director, kiosk, tablet, ticket, me, rating, display), `window` a tablet's or a
    counter device's window, `staff` whose duty page (`me`: that person only, not even the
    director)."""
    if page in PUBLIC_PAGES:
        return True
    if actor is None:
        return False
    if page == "me":
        return actor.staff is not None and actor.staff == staff and hall.person(staff) is not None
    if page == "kiosk":
        return actor.kind in ("kiosk", "admin")
    if page == "rating":  # the window's own pad: it rates that window only
        return actor.kind == "admin" or (actor.kind == "rating" and actor.window == window)
    if page == "display":  # a hall-wide display token, or one naming this window
        return actor.kind == "admin" or (actor.kind == "display" and actor.window in (None, window))
    if actor.kind in ("admin", "director"):
        return True
    if page == "tablet" and actor.kind == "clerk":
        w = hall.window(window or 0)
        return w is not None and actor.staff in (w.a, w.b)
    return False


def records_scope(actor: Actor) -> str | None:
    """Whose records `actor` may read (attendance, a clerk's month): `None` for everyone's
    (the director, the admin), a clerk's own staff id; anyone else is Forbidden."""
    if actor.kind in ("admin", "director"):
        return None
    if actor.kind == "clerk" and actor.staff is not None:
        return actor.staff
    raise Forbidden("the records are for the director (a clerk reads their own)")


def check_log_reader(actor: Actor) -> None:
    if actor.kind not in ("admin", "director", "integration"):
        raise Forbidden("reading the event log needs a director, admin or integration token")


def check_replay_reader(actor: Actor) -> None:
    """The day replay (the hall at a past moment, every window's day): the director's."""
    if actor.kind not in ("admin", "director"):
        raise Forbidden("the day replay is for the director and the admin")


# -- tokens --------------------------------------------------------------------------------


def actor_of(claims: dict[str, Any]) -> Actor:
    """The actor a token's claims (`hall.store.credentials`) name."""
    kind = claims["kind"]
    if kind in ("clerk", "director", "supervisor"):
        return Actor(kind, staff=claims["staff"])
    return Actor(kind, window=claims.get("window"))


def check_token_hall(claims: dict[str, Any], hall: str) -> None:
    if claims.get("hall") != hall:
        raise Forbidden(f"this token belongs to hall {claims.get('hall')}, not {hall}")


def is_admin(token: str, admin_token: str | None) -> bool:
    """The operator's token (`HALL_ADMIN_TOKEN`), compared in constant time."""
    return bool(admin_token) and hmac.compare_digest(token.encode(), str(admin_token).encode())


def sender_of(actor: Actor, token_digest: str = "") -> str:
    """Whose command ids these are (idempotency is per sender): a person by staff id, the
    admin, a device by its token (two kiosks are two senders)."""
    if actor.staff is not None:
        return f"staff:{actor.staff}"
    if actor.ticket is not None:
        return f"ticket:{actor.ticket}"
    if actor.kind in ("admin", "system"):
        return actor.kind
    return f"{actor.kind}:{token_digest[-16:]}"
