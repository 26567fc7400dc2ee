"""The resident's ticket page (public, no personal data): their place in the queue, where to
go, or plainly what became of the ticket. The page is of one day's ticket: yesterday's A001
never shows today's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from hall.config import HallConfig
from hall.core.model import Finished
from hall.i18n import error_catalog
from hall.kiosk.labels import Labeller, service_name
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.positions import find_ticket, serving_windows, wait_minutes
from hall.kiosk.rating import Level, Reason, levels, rating_chance, reasons
from hall.queue.fates import Fate
from hall.queue.order import Place


@dataclass(frozen=True, slots=True)
class TicketStatus:
    state: str  # waiting | transferred | called | finished | no_show | closed | unknown | other_day
    css: str
    headline: str  # 排队中 / 请到 3 号窗口 / 已办结 / 已过号 / 窗口已关闭 / 无此号
    ahead: str  # 前面还有 3 人
    wait: str  # 预计等候约 12 分钟
    windows: str  # 请留意 1 号窗口 叫号
    note: str
    window: int | None = None  # where it was called, finished or sent


@dataclass(frozen=True, slots=True)
class TicketRate:
    """扫码评价 once the ticket is finished: offered while it may be rated (the page shows it
    only when its address carries the ticket's key), else why not."""

    state: str  # none | open | rated | late (see `hall.kiosk.rating.RatingChance`)
    window: int
    until_ms: int | None
    url: str  # the resident's rating route
    ask: str  # 请对 1 号窗口的服务进行评价
    rated: str
    late: str
    levels: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class TicketContext:
    page: PageInfo
    labels: Labeller
    number: str
    day: str  # the ticket's day, 2026-12-07
    service: str
    status: TicketStatus
    rate: TicketRate | None = None
    reasons: tuple[Reason, ...] = ()  # a low rating's picker (page level, not live)

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("ticket-status", "partials/ticket_status.html", {"status": self.status}),
            Part("ticket-rating", "partials/ticket_rating.html", {"rate": self.rate}),
        )


def ticket_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    number: str,
    lang: str,
    now: datetime,
    *,
    service_minutes: float | None = None,
    day: date | None = None,
    today: date | None = None,
    fate: Fate | None = None,
    place: Place | None = None,
    finished: Finished | None = None,
) -> TicketContext:
    """`day`: the ticket's day (None: today's); `today`: the hall's day in `state`; `fate`:
    how the ticket left the queue, if it did today; `place`: where it stands while waiting
    (`hall.queue.order.place`); `finished`: the core's record of it once finished today
    (`State.finished`, kept an hour), for its rating."""
    data = plain(state)
    labels = Labeller(lang)
    other_day = day is not None and today is not None and day != today
    ticket = None if other_day else find_ticket(data, number)
    service = hall.service(number[:1]) if number[:1].isalpha() else None
    shown = day or today
    when = shown.isoformat() if shown else ""
    return TicketContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.ticket.title", number=number, hall=hall.name),
            view="ticket",
            ws_view=f"ticket-{when}-{number}" if when else f"ticket-{number}",
            strings=_rating_strings(labels),
        ),
        labels=labels,
        number=number,
        day=when,
        service=service_name(hall, ticket.get("service"), labels.lang)
        if ticket
        else (service.label(labels.lang) if service else ""),
        status=_other_day(labels, when)
        if other_day
        else _status(data, ticket, labels, service_minutes, fate, place),
        rate=None if other_day else _rate(hall, number, when, labels, now, fate, finished),
        reasons=reasons(labels),
    )


def _rating_strings(labels: Labeller) -> dict[str, str]:
    """What the page script says after a rating: thanks, or why it was refused."""
    errors = {f"error.{k}": v for k, v in error_catalog(labels.lang).items()}
    return {
        **errors,
        "rating.thanks": labels("rating.thanks"),
        "rating.forbidden": labels("rating.forbidden"),
    }


def _rate(
    hall: HallConfig,
    number: str,
    day: str,
    labels: Labeller,
    now: datetime,
    fate: Fate | None,
    finished: Finished | None,
) -> TicketRate | None:
    if fate is None or fate.kind != "ticket.finished":
        return None
    chance = rating_chance(hall, finished, now)
    return TicketRate(
        state="late" if chance.state == "none" else chance.state,  # no longer kept: an hour on
        window=fate.window,
        until_ms=chance.until_ms,
        url=f"/api/halls/{quote(hall.id)}/tickets/{day}/{quote(number)}/rating",
        ask=labels("rating.ask_window", window=fate.window),
        rated=labels("rating.rated"),
        late=labels("rating.late"),
        levels=levels(labels),
    )


def _other_day(labels: Labeller, day: str) -> TicketStatus:
    return TicketStatus("other_day", "tk-gone", labels("ticket.other_day", day=day), "", "", "", "")


def _gone(state: str, headline: str, note: str, window: int | None = None) -> TicketStatus:
    return TicketStatus(state, f"tk-{state.replace('_', '-')}", headline, "", "", "", note, window)


def _status(
    state: Mapping[str, Any],
    ticket: Mapping[str, Any] | None,
    labels: Labeller,
    service_minutes: float | None,
    fate: Fate | None,
    place: Place | None,
) -> TicketStatus:
    if ticket is None:
        if fate is None:
            return _gone("unknown", labels("ticket.unknown"), labels("ticket.unknown_note"))
        n = fate.window
        if fate.kind == "ticket.finished":
            return _gone("finished", labels("ticket.finished"), labels("ticket.finished_note"), n)
        if fate.kind == "ticket.no_show":
            return _gone("no_show", labels("ticket.no_show"), labels("ticket.ask_at", window=n), n)
        return _gone("closed", labels("ticket.window_closed"), labels("ticket.closed_note"), n)
    if ticket.get("status") == "called":
        window = int(ticket.get("window") or 0)
        return TicketStatus(
            "called",
            "tk-called",
            labels("ticket.go_to", window=window),
            "",
            "",
            "",
            labels("ticket.called"),
            window,
        )
    # Only windows that can call it now count (as on the kiosk's slip): "next" is never
    # promised for a window nobody staffs.
    at = place.at if place else {}
    serving = serving_windows(state)
    now_at = {w: n for w, n in at.items() if w in serving}
    windows = sorted(now_at) or sorted(at)
    ahead = min(now_at.values(), default=0)
    listed = labels("list.sep").join(labels("window.label", number=n) for n in windows)
    moved = ticket.get("window")
    if at and not now_at:
        where, wait = labels("kiosk.no_window"), ""
    elif ahead:
        where = labels("kiosk.ahead", ahead=ahead)
        wait = labels("kiosk.wait", minutes=wait_minutes(state, windows, ahead, service_minutes))
    else:
        where, wait = labels("ticket.next"), ""
    return TicketStatus(
        "transferred" if moved is not None else "waiting",
        "tk-waiting",
        labels("ticket.transferred", window=moved)
        if moved is not None
        else labels("ticket.waiting"),
        where,
        wait,
        labels("kiosk.go_windows", windows=listed) if listed else "",
        labels("ticket.live_note"),
        int(moved) if moved is not None else None,
    )
