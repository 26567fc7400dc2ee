"""At the counter: who serves a window (its A-post, or the B-post covering), and the window
display above the counter (window, who serves, the ticket being served, and the state in
plain words). Public-facing: built from the public state, so away reasons appear only with
`public_detail`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info, plain


@dataclass(frozen=True, slots=True)
class Server:
    """The person serving at a window, as the counter shows them."""

    post: str  # A | B
    post_label: str  # A岗 / B岗
    name: str
    title: str  # 街道党政办办事员, "" when the hall file gives none
    number: str  # 工号 KY001, "" when the hall file gives none


@dataclass(frozen=True, slots=True)
class Counter:
    """One window as its counter devices show it."""

    number: int
    window_label: str  # 1 号窗口 / Window 1
    name: str  # 党政办 / Party Office
    state: str  # open | away | covered | closed: who is there (css hook, data-state)
    extended: bool  # past closing, still serving (延时服务)
    notices: tuple[str, ...]  # 暂停服务 / 暂离，请稍候 / B岗顶岗中 / 延时服务; none when staffed
    detail: str  # the away reason (only with public_detail), or when a closed window opens
    server: Server | None
    serving_label: str
    ticket: str  # the ticket at the counter, "" for none
    waiting: str  # 等候 3 人, "" when closed


def window_of(state: Mapping[str, Any], number: int) -> Mapping[str, Any]:
    """The window's entry in the public state; KeyError when it has none."""
    for w in state.get("windows", []):
        if w.get("number") == number:
            found: Mapping[str, Any] = w
            return found
    raise KeyError(f"no window {number} in the state")


def counter_state(window: Mapping[str, Any]) -> str:
    """open (the A-post serves) | away (the A-post stepped away, nobody covering) | covered
    (the B-post serves) | closed (outside hours, or nobody: not arrived, gone, on leave)."""
    status = str(window.get("status"))
    serves = str(window.get("serving_status") or status)
    a: Mapping[str, Any] = window.get("a") or {}
    if status == "closed":
        return "closed"
    if serves == "staffed":
        return "open"
    if serves == "covered":
        return "covered"
    if serves in ("away", "uncovered") and a.get("state") == "away":
        return "away"
    return "closed"


def who_serves(
    hall: HallConfig, window: Mapping[str, Any], labels: Labeller, state: str
) -> Server | None:
    """The B-post while covering; else the A-post while present or only stepped away."""
    if state not in ("open", "away", "covered"):
        return None
    post = "B" if state == "covered" else "A"
    entry: Mapping[str, Any] = window.get(post.lower()) or {}
    person = hall.person(str(entry.get("staff", "")))
    return Server(
        post=post,
        post_label=labels(f"post.{post}"),
        name=person.name if person else str(entry.get("name", "")),
        title=person.title if person else "",
        number=labels("desk.staff_number", number=person.number)
        if person and person.number
        else "",
    )


def counter_view(
    hall: HallConfig, state: Mapping[str, Any], number: int, labels: Labeller, now: datetime
) -> Counter:
    """KeyError when `number` is not one of the hall's windows."""
    cfg = hall.window(number)
    if cfg is None:
        raise KeyError(f"no window {number} in hall {hall.id}")
    window = window_of(state, number)
    who = counter_state(window)
    extended = window.get("status") == "extended"
    notices = [labels(f"desk.{who}")] if who != "open" else []
    if extended:
        notices.append(labels("desk.extended"))
    detail = ""
    reason = (window.get("a") or {}).get("reason")  # in the public state only with public_detail
    if who == "away" and reason:
        detail = labels(f"reason.{reason}")
    elif window.get("status") == "closed" and (opens := hours_today(hall, now).next_open):
        detail = labels("tile.opens_at", time=opens)
    serving = window.get("serving")
    waiting = int(window.get("waiting") or 0)
    return Counter(
        number=number,
        window_label=labels("window.label", number=number),
        name=cfg.label(labels.lang),
        state=who,
        extended=extended,
        notices=tuple(notices),
        detail=detail,
        server=who_serves(hall, window, labels, who),
        serving_label=labels("desk.serving"),
        ticket=str(serving["number"]) if isinstance(serving, Mapping) else "",
        waiting=labels("tile.waiting", count=waiting) if waiting and who != "closed" else "",
    )


@dataclass(frozen=True, slots=True)
class DisplayContext:
    page: PageInfo
    labels: Labeller
    hall_name: str  # in the page's language
    window: int
    counter: Counter

    def parts(self) -> tuple[Part, ...]:
        return (
            Part(f"counter-{self.window}", "partials/counter_display.html", {"c": self.counter}),
        )


def display_context(
    hall: HallConfig, state: Mapping[str, Any], window: int, lang: str, now: datetime
) -> DisplayContext:
    """The window display above counter `window` (KeyError for a window the hall lacks)."""
    data = plain(state)
    labels = Labeller(lang)
    counter = counter_view(hall, data, window, labels, now)
    return DisplayContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.display.title", number=window, hall=hall.label(labels.lang)),
            view="display",
            ws_view=f"display-{window}",
        ),
        labels=labels,
        hall_name=hall.label(labels.lang),
        window=window,
        counter=counter,
    )
