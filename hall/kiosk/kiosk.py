"""The ticket kiosk: one button per service (what it covers, its windows, how many wait at
the windows serving it now), then the issued ticket, shown and printed by the page script
from the slip (`hall.kiosk.slip`, `ticket_view` in the `ticket.issue` answer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hall.config import HallConfig, Service
from hall.i18n import error_catalog
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller
from hall.kiosk.notices import NoticeSheet, notice_sheets
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.positions import serving_windows
from hall.kiosk.times import epoch_ms
from hall.schedule import hall_day, next_opening

if TYPE_CHECKING:
    from hall.kiosk.contexts import PageContext


@dataclass(frozen=True, slots=True)
class ServiceButton:
    code: str
    name: str  # in the page's language (the hall file's `name_en` on the English kiosk)
    covers: str  # what it covers, from the hall file ("" when not given)
    windows: str  # 1、2 号窗口办理
    serving: bool  # a window that serves it can call a ticket now
    waiting: int  # residents a ticket taken now has ahead (0 when no window serves it)
    waiting_label: str  # 等候 3 人, or 现在没有窗口办理
    notices: int  # its one-time notices (一次性告知单) the kiosk prints


@dataclass(frozen=True, slots=True)
class KioskContext:
    page: PageInfo
    labels: Labeller
    issuing: bool  # False: the "已停止取号" screen
    issue_until_ms: int | None  # when it stops issuing without an event (issue_cutoff): the
    # page script turns to the closed screen then
    closed_note: str  # when tickets are issued again
    services: tuple[ServiceButton, ...]
    auto_print: bool  # print each ticket at once (the default; `?print=0`: a kiosk without
    # printer shows the ticket and its QR code on screen only)
    hall_name: str  # in the page's language
    notices: tuple[NoticeSheet, ...]  # page-level (hall file text): printed on request

    def parts(self) -> tuple[Part, ...]:
        return (Part("kiosk-services", "partials/kiosk_services.html", {"kiosk": self}),)


def kiosk_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    lang: str,
    now: datetime,
    *,
    auto_print: bool = True,
) -> KioskContext:
    """The kiosk's buttons, live: the same for every kiosk of the hall (each page carries
    its own device token, given to the renderer, never in a fragment)."""
    data = plain(state)
    labels = Labeller(lang)
    hours = hours_today(hall, now)
    end = hours.session_end
    issuing = bool(data.get("open")) and (end is None or now < end - hall.rules.issue_cutoff)
    cutoff = end - hall.rules.issue_cutoff if issuing and end is not None else None
    reopen = hours.next_open
    if cutoff is not None and end is not None:  # the note shown once the cutoff passes
        later = next_opening(hall, end)
        same_day = later is not None and hall_day(hall, later) == hall_day(hall, now)
        reopen = f"{later.astimezone(hall.tz):%H:%M}" if later and same_day else None
    note = labels("kiosk.closed_reopen", time=reopen) if reopen else labels("kiosk.closed_today")
    return KioskContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.kiosk.title", hall=hall.label(labels.lang)),
            view="kiosk",
            ws_view="kiosk",
            strings=_script_strings(labels),
        ),
        labels=labels,
        issuing=issuing,
        issue_until_ms=epoch_ms(cutoff),
        closed_note=note,
        services=tuple(_service(hall, data, s, labels) for s in hall.services),
        auto_print=auto_print,
        hall_name=hall.label(labels.lang),
        notices=notice_sheets(hall, labels),
    )


def no_printing(ctx: PageContext) -> PageContext:
    """A kiosk without printer (`?print=0`): the ticket and its QR code on screen only; the
    language link keeps the option."""
    if not isinstance(ctx, KioskContext):
        return ctx
    page = replace(ctx.page, lang_href=f"{ctx.page.lang_href}&print=0")
    return replace(ctx, auto_print=False, page=page)


def _service(
    hall: HallConfig, state: Mapping[str, Any], service: Service, labels: Labeller
) -> ServiceButton:
    """A ticket taken now waits behind everyone its window calls first (`waiting` of the
    public state): the fewest at a window serving it now; no count when none serves it."""
    mine = [w for w in hall.windows if service.code in w.services]
    serving = serving_windows(state)
    waiting = [
        int(w.get("waiting", 0))
        for w in state.get("windows", [])
        if w.get("number") in serving and service.code in w.get("services", ())
    ]
    ahead = min(waiting, default=0)
    listed = labels("list.sep").join(str(w.number) for w in mine)
    at = labels("window.label", number=listed) if len(mine) == 1 else ""
    covers = service.covers_en if labels.lang == "en" and service.covers_en else service.covers
    return ServiceButton(
        code=service.code,
        name=service.label(labels.lang),
        covers=covers,
        windows=labels(
            "kiosk.windows", windows=at or labels("wall.extended_windows", numbers=listed)
        ),
        serving=bool(waiting),
        waiting=ahead,
        waiting_label=labels("tile.waiting", count=ahead) if waiting else labels("kiosk.none"),
        notices=len(service.notices),
    )


def _script_strings(labels: Labeller) -> dict[str, str]:
    """Errors for toasts, and the patterns the script fills for the ticket card."""
    errors = {f"error.{k}": v for k, v in error_catalog(labels.lang).items()}
    keys: tuple[str, ...] = ("kiosk.ahead", "kiosk.wait", "kiosk.go_windows", "kiosk.issued_at")
    keys += ("ticket.next", "kiosk.no_window", "kiosk.no_window_note")
    keys += ("kiosk.printing", "kiosk.take_ticket", "kiosk.on_screen", "kiosk.notice_printing")
    keys += ("kiosk.notice_take", "kiosk.priority_mark", "window.label", "list.sep")
    keys += ("kiosk.issuing",)
    return {**errors, **{k: labels(k) for k in keys}}  # unformatted: "前面还有 {ahead} 人"
