"""The window tablet: the clerk's buttons, the window's posts, ticket and waiting list.

The live fragments are the same for every viewer of a window (the fan-out renders them
once per window); only the page around them knows who is looking (`viewer_post`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.core.model import AWAY_REASONS
from hall.i18n import error_catalog
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller, service_name
from hall.kiosk.needs import CoverNeed, cover_needs, needs_part
from hall.kiosk.page import PageInfo, Part, page_info, plain
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


@dataclass(frozen=True, slots=True)
class ServingView:
    number: str  # "" when nobody is at the window
    service: str
    called_at: str
    recalls: str  # 已重呼 1 次, "" for none
    buttons: tuple[Button, ...]


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
    viewer_post: str  # A | B | director | "" (read-only): page level, never in fragments
    viewer_label: str
    tile: Tile
    posts: tuple[PostView, ...]
    serving: ServingView
    queue: tuple[QueueRow, ...]
    needs: tuple[CoverNeed, ...]  # the hall's windows needing their B-post (the viewer's shown)
    reasons: tuple[Choice, ...]  # the away reason picker
    transfer_targets: tuple[Choice, ...]  # the other windows

    @property
    def queue_id(self) -> str:
        return f"queue-{self.window}"

    def parts(self) -> tuple[Part, ...]:
        return (
            tile_part(self.tile, "tablet"),
            needs_part(self.needs),
            Part("posts", "partials/posts.html", {"posts": self.posts}),
            Part("serving", "partials/serving.html", {"serving": self.serving}),
            Part(self.queue_id, "partials/window_queue.html", {"rows": self.queue}),
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
        window_label=f"{labels('window.label', number=window)} · {cfg.name}",
        viewer_post=viewer,
        viewer_label=viewer_label,
        tile=window_tile(hall, w, hours, labels, now),
        posts=(_post(hall, w, "A", labels), _post(hall, w, "B", labels)),
        serving=_serving(hall, w, labels),
        queue=_queue(hall, data, w, labels, now),
        needs=cover_needs(hall, data, labels),
        reasons=tuple(Choice(r, labels(f"reason.{r}")) for r in AWAY_REASONS),
        transfer_targets=tuple(
            Choice(str(o.number), f"{labels('window.label', number=o.number)} · {o.name}")
            for o in hall.windows
            if o.number != window
        ),
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
    return {**errors, "toast.done": labels("toast.done")}


def _post(hall: HallConfig, w: Mapping[str, Any], post: str, labels: Labeller) -> PostView:
    p: Mapping[str, Any] = w.get(post.lower()) or {}
    state = str(p.get("state", "off"))
    reason = p.get("reason")
    number = int(w["number"])
    buttons = [
        Button(
            labels(f"btn.{s}"),
            "presence.set",
            {"window": number, "post": post, "state": s},
            css=f"btn-{s}",
            pressed=state == s,
            picker="reason" if s == "away" else "",
            # a covering B-post ends the cover instead of setting present (`covering`)
            disabled=state == "covering" and s == "present",
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
    )


def _cover_button(w: Mapping[str, Any], labels: Labeller) -> Button:
    number = int(w["number"])
    b: Mapping[str, Any] = w.get("b") or {}
    if b.get("state") == "covering":
        return Button(labels("btn.cover_end"), "cover.end", {"window": number}, css="btn-cover-end")
    a_present = (w.get("a") or {}).get("state") == "present"
    return Button(
        labels("btn.cover_start"),
        "cover.start",
        {"window": number},
        css="btn-cover",
        disabled=a_present or w.get("status") == "closed",
    )


def _serving(hall: HallConfig, w: Mapping[str, Any], labels: Labeller) -> ServingView:
    number = int(w["number"])
    ticket = w.get("serving")
    has = isinstance(ticket, Mapping)
    recalls = int(ticket.get("recalls") or 0) if isinstance(ticket, Mapping) else 0
    closed = w.get("status") == "closed"

    def act(command: str, css: str, *, when: bool, picker: str = "") -> Button:
        key = "btn." + command.removeprefix("ticket.")
        args = {"window": number}
        return Button(labels(key), command, args, css=css, disabled=not when, picker=picker)

    buttons = (
        act(
            "ticket.call", "btn-call", when=not has and not closed and int(w.get("waiting", 0)) > 0
        ),
        act("ticket.recall", "btn-recall", when=has),
        act("ticket.finish", "btn-finish", when=has),
        act("ticket.no_show", "btn-no-show", when=has),
        act("ticket.transfer", "btn-transfer", when=has, picker="transfer"),
    )
    if not isinstance(ticket, Mapping):
        return ServingView("", "", "", "", buttons)
    return ServingView(
        number=str(ticket.get("number", "")),
        service=service_name(hall, ticket.get("service")),
        called_at=hhmm(hall, parse_at(ticket.get("called_at"))),
        recalls=labels("tablet.recalls", count=recalls) if recalls else "",
        buttons=buttons,
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
                service=service_name(hall, ticket.get("service")),
                priority=bool(ticket.get("priority")),
                transferred=target == number,
                issued=labels("tablet.issued_at", time=hhmm(hall, issued)),
                minutes=minutes_between(issued, now),
                since_ms=epoch_ms(issued),
            )
        )
    return tuple(rows)
