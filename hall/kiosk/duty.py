"""A staff member's duty page (`/me`, view `me-<staff>`): their posts in the hall (A at one
window, B at another), each window's state, the cover needs addressed to them with the
countdown; and where a person lands after signing in (`home_path`).

The view is one person's: its fragments name them and are sent only on their channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from hall.config import HallConfig
from hall.i18n import error_catalog
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller
from hall.kiosk.needs import CoverNeed, cover_needs, needs_part
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.records_staff import MyRecords
from hall.kiosk.tiles import window_tile

DUTY_ID = "duty-posts"


@dataclass(frozen=True, slots=True)
class DutyPost:
    window: int
    post: str  # A | B
    title: str  # 3 号窗口 · 卫计办
    role: str  # 我是A岗
    href: str  # the window's tablet
    link: str  # 打开 3 号窗口平板
    state: str  # present | away | off | covering: this person's post
    state_label: str
    status: str  # the window's status (tile css: st-…)
    status_label: str  # 在岗, 暂离, B岗顶岗 …
    partner: str  # B岗 刘文智
    partner_state: str  # 在岗
    serving: str  # 正在办理 A012, "" for none
    waiting: str  # 还有 3 人等候
    needed: bool  # a cover need addressed to this person here


@dataclass(frozen=True, slots=True)
class MeContext:
    page: PageInfo
    labels: Labeller
    staff: str
    name: str
    hall_label: str  # the hall's name in the page's language
    detail: str  # title · 工号
    director_href: str  # "" unless a director
    posts: tuple[DutyPost, ...]
    needs: tuple[CoverNeed, ...]  # addressed to this person
    records: MyRecords | None = None  # 我的记录: added when the page loads (not in frames)

    def parts(self) -> tuple[Part, ...]:
        return (
            needs_part(self.needs),
            Part(DUTY_ID, "partials/duty_posts.html", {"posts": self.posts}),
        )


def me_context(
    hall: HallConfig, state: Mapping[str, Any], staff: str, lang: str, now: datetime
) -> MeContext:
    """KeyError when `staff` is not one of the hall's people."""
    person = hall.person(staff)
    if person is None:
        raise KeyError(f"no staff {staff} in hall {hall.id}")
    data = plain(state)
    labels = Labeller(lang)
    hours = hours_today(hall, now)
    needs = tuple(n for n in cover_needs(hall, data, labels) if n.staff == staff)
    needed = {n.window for n in needs}
    posts = []
    for w in data.get("windows", []):
        number = int(w["number"])
        cfg = hall.window(number)
        if cfg is None or staff not in (cfg.a, cfg.b):
            continue
        post, other = ("A", "B") if cfg.a == staff else ("B", "A")
        mine: Mapping[str, Any] = w.get(post.lower()) or {}
        theirs: Mapping[str, Any] = w.get(other.lower()) or {}
        tile = window_tile(hall, w, hours, labels, now)
        ticket = w.get("serving")
        my_state = str(mine.get("state", "off"))
        waiting = int(w.get("waiting") or 0)
        posts.append(
            DutyPost(
                window=number,
                post=post,
                title=f"{labels('window.label', number=number)} · {cfg.label(labels.lang)}",
                role=labels("me.post", post=labels(f"post.{post}")),
                href=f"/halls/{quote(hall.id)}/windows/{number}",
                link=labels("me.open", number=number),
                state=my_state,
                state_label=labels(f"post_state.{my_state}"),
                status=tile.css,
                status_label=tile.label.main,
                partner=labels(
                    "me.partner", post=labels(f"post.{other}"), name=theirs.get("name", "")
                ),
                partner_state=labels(f"post_state.{theirs.get('state', 'off')}"),
                serving=labels("primary.serving", number=ticket.get("number", ""))
                if isinstance(ticket, Mapping)
                else "",
                waiting=labels("primary.waiting", count=waiting)
                if waiting
                else labels("primary.nobody_waiting"),
                needed=number in needed,
            )
        )
    detail = [person.title] if person.title else []
    if person.number:
        detail.append(labels("me.number", number=person.number))
    return MeContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.me.title", hall=hall.label(labels.lang)),
            view="me",
            ws_view=f"me-{staff}",
            strings={f"error.{k}": v for k, v in error_catalog(labels.lang).items()},
        ),
        labels=labels,
        staff=staff,
        name=person.name,
        hall_label=hall.label(labels.lang),
        detail=" · ".join(detail),
        director_href=f"/halls/{quote(hall.id)}/director" if person.role == "director" else "",
        posts=tuple(posts),
        needs=needs,
    )


def home_path(hall: HallConfig, staff: str) -> str:
    """Where a person lands after signing in (no other page asked for): the director on
    the director's page; a clerk with posts at one window on its tablet; anyone else
    (posts at several windows, or none) on their duty page."""
    person = hall.person(staff)
    if person is not None and person.role == "director":
        return f"/halls/{quote(hall.id)}/director"
    windows = [w.number for w in hall.windows if staff in (w.a, w.b)]
    if len(windows) == 1:
        return f"/halls/{quote(hall.id)}/windows/{windows[0]}"
    return "/me"
