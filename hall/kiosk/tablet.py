"""The window tablet: the clerk's buttons, the window's posts, ticket and waiting list.

The live fragments are the same for every viewer of a window (the fan-out renders them
once per window); only the page around them knows who is looking (`viewer_post`), and
shows the blocks meant for them (the primary action of their role: `hall.kiosk.primary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from hall.config import HallConfig
from hall.core.model import AWAY_REASONS
from hall.i18n import error_catalog
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller
from hall.kiosk.needs import CoverNeed, cover_needs, needs_part
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.primary import Primary, primaries
from hall.kiosk.targets import Target, targets_part, transfer_targets
from hall.kiosk.tiles import Tile, tile_part, window_tile
from hall.kiosk.times import epoch_ms, hhmm, minutes_between, parse_at


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    command: str  # the command type posted by static/hall.js
    args: Mapping[str, Any]  # the command's other fields
    css: str = ""
    pressed: bool = False  # the post's current state
    disabled: bool = False
    picker: str = ""  # "reason" | "transfer": a dialog adds reason / to_window first
    reason: str = ""  # why it is disabled (shown as its title)


@dataclass(frozen=True, slots=True)
class PostView:
    post: str  # A | B
    label: str  # A岗
    name: str
    state: str  # present | away | off | covering
    state_label: str
    css: str  # ps-away
    since: str  # 自 10:02
    reason: str  # 休息 (away only)
    buttons: tuple[Button, ...]
    note: str = ""  # why a button of this post is disabled, under the buttons


@dataclass(frozen=True, slots=True)
class ServingView:
    number: str  # "" when nobody is at the window
    service: str
    called_at: str
    recalls: str  # 已重呼 1 次, "" for none
    buttons: tuple[Button, ...]
    b_serves: bool  # the B-post serves (covering, or the A-post not present): B's buttons


@dataclass(frozen=True, slots=True)
class QueueRow:
    number: str
    service: str
    priority: bool
    transferred: bool
    issued: str  # 10:02 取号
    minutes: int | None  # waited so far (refreshed by the page script)
    since_ms: int | None


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class TabletContext:
    page: PageInfo
    labels: Labeller
    window: int
    window_label: str  # 3 号窗口 · 卫计办
    hall_label: str  # the hall's name in the page's language
    viewer_post: str  # A | B | director | "" (read-only): page level, never in fragments
    viewer_label: str  # 陈少丽 · 您是本窗口A岗
    switch_href: str  # /logout?next=<this window>: the next person signs in here
    tile: Tile
    posts: tuple[PostView, ...]
    serving: ServingView
    queue: tuple[QueueRow, ...]
    needs: tuple[CoverNeed, ...]  # the hall's windows needing their B-post (the viewer's shown)
    primary: tuple[Primary, ...]  # one per role (A, B, director): the page shows its own
    reasons: tuple[Choice, ...]  # the away reason picker
    targets: tuple[Target, ...]  # the transfer picker: the other windows, live

    @property
    def queue_id(self) -> str:
        return f"queue-{self.window}"

    def parts(self) -> tuple[Part, ...]:
        return (
            tile_part(self.tile, "tablet"),
            needs_part(self.needs),
            Part("primary", "partials/primary.html", {"primary": self.primary}),
            Part("posts", "partials/posts.html", {"posts": self.posts}),
            Part("serving", "partials/serving.html", {"serving": self.serving}),
            Part(self.queue_id, "partials/window_queue.html", {"rows": self.queue}),
            targets_part(self.targets),
        )


def tablet_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    window: int,
    viewer_staff: str | None,
    lang: str,
    now: datetime,
) -> TabletContext:
    """KeyError when `window` is not one of the hall's windows."""
    data = plain(state)
    labels = Labeller(lang)
    cfg = hall.window(window)
    found = [w for w in data.get("windows", []) if w.get("number") == window]
    if cfg is None or not found:
        raise KeyError(f"no window {window} in hall {hall.id}")
    w = found[0]
    hours = hours_today(hall, now)
    viewer = _viewer_post(hall, cfg.a, cfg.b, viewer_staff)
    viewer_label = (
        labels("tablet.viewer_post", post=labels(f"post.{viewer}"))
        if viewer in ("A", "B")
        else labels("tablet.viewer_director" if viewer else "tablet.viewer_other")
    )
    person = hall.person(viewer_staff) if viewer_staff else None
    if person is not None:
        viewer_label = f"{person.name} · {viewer_label}"
    here = f"/halls/{quote(hall.id)}/windows/{window}"
    return TabletContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.tablet.title", number=window, hall=hall.name),
            view="tablet",
            ws_view=f"window-{window}",
            strings=_script_strings(labels),
        ),
        labels=labels,
        window=window,
        window_label=f"{labels('window.label', number=window)} · {cfg.label(labels.lang)}",
        hall_label=hall.label(labels.lang),
        viewer_post=viewer,
        viewer_label=viewer_label,
        switch_href=f"/logout?next={quote(here, safe='')}",
        tile=window_tile(hall, w, hours, labels, now),
        posts=(_post(hall, w, "A", labels), _post(hall, w, "B", labels)),
        serving=_serving(hall, w, labels),
        queue=_queue(hall, data, w, labels, now),
        needs=cover_needs(hall, data, labels),
        primary=primaries(hall, data, w, hours, labels),
        reasons=tuple(Choice(r, labels(f"reason.{r}")) for r in AWAY_REASONS),
        targets=transfer_targets(hall, data, window, hours, labels, now),
    )


def _viewer_post(hall: HallConfig, a: str, b: str, viewer: str | None) -> str:
    if viewer is None:
        return ""
    if viewer == a:
        return "A"
    if viewer == b:
        return "B"
    person = hall.person(viewer)
    return "director" if person is not None and person.role == "director" else ""


def _script_strings(labels: Labeller) -> dict[str, str]:
    errors = {f"error.{k}": v for k, v in error_catalog(labels.lang).items()}
    return {
        **errors,
        "toast.done": labels("toast.done"),
        "tablet.call_refused": labels("tablet.call_refused"),
    }


def _post(hall: HallConfig, w: Mapping[str, Any], post: str, labels: Labeller) -> PostView:
    p: Mapping[str, Any] = w.get(post.lower()) or {}
    state = str(p.get("state", "off"))
    reason = p.get("reason")
    number = int(w["number"])
    # a covering B-post ends the cover instead of setting present (`covering`)
    refused = {"present": labels("error.covering") if state == "covering" else ""}
    refused["off"] = _why_not_off(w, post, state, labels)
    buttons = [
        Button(
            labels(f"btn.{s}"),
            "presence.set",
            {"window": number, "post": post, "state": s},
            css=f"btn-{s}",
            pressed=state == s,
            picker="reason" if s == "away" else "",
            disabled=bool(refused.get(s)),
            reason=refused.get(s, ""),
        )
        for s in ("present", "away", "off")
    ]
    if post == "B":
        buttons.append(_cover_button(w, labels))
    since = parse_at(p.get("since"))
    return PostView(
        post=post,
        label=labels(f"post.{post}"),
        name=str(p.get("name", "")),
        state=state,
        state_label=labels(f"post_state.{state}"),
        css=f"ps-{state}",
        since=labels("tablet.since", time=hhmm(hall, since)) if since else "",
        reason=labels(f"reason.{reason}") if state == "away" and reason else "",
        buttons=tuple(buttons),
        note=refused["off"],
    )


def _why_not_off(w: Mapping[str, Any], post: str, state: str, labels: Labeller) -> str:
    """Going off is refused to the post serving the window (the A-post, or the B-post while
    covering) while a resident is at the counter or residents wait (`serving`,
    `queue_not_empty`; the director may leave residents waiting, but the buttons are the
    posts' own)."""
    b_covering = (w.get("b") or {}).get("state") == "covering"
    serves = state == "covering" if post == "B" else state != "off" and not b_covering
    if not serves or (w.get("status") == "closed" and post == "A"):
        return ""
    if isinstance(w.get("serving"), Mapping):
        return labels("error.serving")
    waiting = int(w.get("waiting") or 0)
    return labels("error.queue_not_empty", waiting=waiting) if waiting else ""


def _cover_button(w: Mapping[str, Any], labels: Labeller) -> Button:
    """B's cover toggle: pressed while B covers (a tap ends the cover)."""
    number = int(w["number"])
    b: Mapping[str, Any] = w.get("b") or {}
    if b.get("state") == "covering":
        return Button(
            labels("btn.cover_end"),
            "cover.end",
            {"window": number},
            css="btn-cover-end",
            pressed=True,
        )
    a_present = (w.get("a") or {}).get("state") == "present"
    closed = w.get("status") == "closed"
    reason = labels("error.a_post_present") if a_present else ""
    return Button(
        labels("btn.cover_start"),
        "cover.start",
        {"window": number},
        css="btn-cover",
        disabled=a_present or closed,
        reason=labels("primary.closed") if closed else reason,
    )


def _serving(hall: HallConfig, w: Mapping[str, Any], labels: Labeller) -> ServingView:
    number = int(w["number"])
    ticket = w.get("serving")
    has = isinstance(ticket, Mapping)
    recalls = int(ticket.get("recalls") or 0) if isinstance(ticket, Mapping) else 0
    closed = w.get("status") == "closed"
    waiting = int(w.get("waiting", 0))
    none_here = labels("tablet.serving_none")
    if has:
        call_reason = labels("error.window_busy")
    elif closed:
        call_reason = labels("primary.closed")
    else:
        call_reason = labels("primary.nobody_waiting") if not waiting else ""

    def act(command: str, css: str, *, why: str, picker: str = "") -> Button:
        key = "btn." + command.removeprefix("ticket.")
        args = {"window": number}
        return Button(
            labels(key), command, args, css=css, disabled=bool(why), picker=picker, reason=why
        )

    buttons = (
        act("ticket.call", "btn-call", why=call_reason),
        act("ticket.finish", "btn-finish", why="" if has else none_here),
        act("ticket.recall", "btn-recall", why="" if has else none_here),
        act("ticket.no_show", "btn-no-show", why="" if has else none_here),
        act("ticket.transfer", "btn-transfer", why="" if has else none_here, picker="transfer"),
    )
    a_present = (w.get("a") or {}).get("state") == "present"
    b_serves = not a_present or (w.get("b") or {}).get("state") == "covering"
    if not isinstance(ticket, Mapping):
        return ServingView("", "", "", "", buttons, b_serves)
    return ServingView(
        number=str(ticket.get("number", "")),
        service=_service(hall, ticket.get("service"), labels),
        called_at=hhmm(hall, parse_at(ticket.get("called_at"))),
        recalls=labels("tablet.recalls", count=recalls) if recalls else "",
        buttons=buttons,
        b_serves=b_serves,
    )


def _queue(
    hall: HallConfig,
    state: Mapping[str, Any],
    w: Mapping[str, Any],
    labels: Labeller,
    now: datetime,
) -> tuple[QueueRow, ...]:
    """The window's waiting tickets in call order: those transferred to it, its services'."""
    number = int(w["number"])
    services = {str(s) for s in w.get("services", [])}
    rows = []
    for ticket in state.get("queue", []):
        if ticket.get("status") != "waiting":
            continue
        target = ticket.get("window")
        if target != number and not (target is None and ticket.get("service") in services):
            continue
        issued = parse_at(ticket.get("issued_at"))
        rows.append(
            QueueRow(
                number=str(ticket.get("number", "")),
                service=_service(hall, ticket.get("service"), labels),
                priority=bool(ticket.get("priority")),
                transferred=target == number,
                issued=labels("tablet.issued_at", time=hhmm(hall, issued)),
                minutes=minutes_between(issued, now),
                since_ms=epoch_ms(issued),
            )
        )
    return tuple(rows)


def _service(hall: HallConfig, code: object, labels: Labeller) -> str:
    """A service's name in the page's language (the hall file's `name_en` in English)."""
    service = hall.service(code) if isinstance(code, str) else None
    return service.label(labels.lang) if service else str(code or "")
