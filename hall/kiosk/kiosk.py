"""The ticket kiosk: one button per service, then the issued ticket (filled in by the page
script from the slip, `ticket_view` in the `ticket.issue` answer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from hall.config import HallConfig
from hall.core.model import State
from hall.core.public import public_state
from hall.i18n import error_catalog
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.positions import find_ticket, wait_minutes
from hall.kiosk.times import epoch_ms, hhmm, parse_at
from hall.queue.order import Place, place
from hall.schedule import hall_day, next_opening


@dataclass(frozen=True, slots=True)
class ServiceButton:
    code: str
    name: str
    windows: str  # 1 号窗口办理
    waiting: int
    waiting_label: str


@dataclass(frozen=True, slots=True)
class KioskContext:
    page: PageInfo
    labels: Labeller
    issuing: bool  # False: the "已停止取号" screen
    issue_until_ms: int | None  # when it stops issuing without an event (issue_cutoff): the
    # page script turns to the closed screen then
    closed_note: str  # when tickets are issued again
    services: tuple[ServiceButton, ...]
    auto_print: bool  # print the ticket at once (a kiosk browser with silent printing)

    def parts(self) -> tuple[Part, ...]:
        return (Part("kiosk-services", "partials/kiosk_services.html", {"kiosk": self}),)


def kiosk_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    lang: str,
    now: datetime,
    *,
    auto_print: bool = False,
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
            title=labels("page.kiosk.title", hall=hall.name),
            view="kiosk",
            ws_view="kiosk",
            strings=_script_strings(labels),
        ),
        labels=labels,
        issuing=issuing,
        issue_until_ms=epoch_ms(cutoff),
        closed_note=note,
        services=tuple(_service(hall, data, s.code, s.name, labels) for s in hall.services),
        auto_print=auto_print,
    )


def _service(
    hall: HallConfig, state: Mapping[str, Any], code: str, name: str, labels: Labeller
) -> ServiceButton:
    numbers = [w.number for w in hall.windows if code in w.services]
    waiting = sum(
        1
        for t in state.get("queue", [])
        if t.get("service") == code and t.get("status") == "waiting"
    )
    listed = labels("list.sep").join(str(n) for n in numbers)
    return ServiceButton(
        code=code,
        name=name,
        windows=labels("kiosk.windows", windows=labels("wall.extended_windows", numbers=listed)),
        waiting=waiting,
        waiting_label=labels("tile.waiting", count=waiting),
    )


def _script_strings(labels: Labeller) -> dict[str, str]:
    """Errors for toasts, and the patterns the script fills for the ticket card."""
    errors = {f"error.{k}": v for k, v in error_catalog(labels.lang).items()}
    keys: tuple[str, ...] = ("kiosk.ahead", "kiosk.wait", "kiosk.go_windows", "kiosk.issued_at")
    keys += ("ticket.next",)
    keys += ("window.label", "list.sep", "kiosk.issuing")
    return {**errors, **{k: labels(k) for k in keys}}  # unformatted: "前面还有 {ahead} 人"


def ticket_slip(
    hall: HallConfig,
    state: Mapping[str, Any],
    number: str,
    place: Place,
    now: datetime,
    *,
    base_url: str = "",
    key: str = "",
    service_minutes: float | None = None,
) -> dict[str, Any]:
    """What the kiosk prints for a ticket just issued: the `ticket.issue` answer carries it
    as `ticket_view` beside `events`. `place` is where the ticket stands
    (`hall.queue.order.place`); `base_url` (the hall's public address, "http://hall.local")
    makes the QR code's link absolute; `key` is the ticket's key, which the link carries
    (the resident follows and rates their ticket with it); `service_minutes` is today's
    average (see `hall.kiosk.counters`), a default is used without it. KeyError when
    `number` is not in the queue."""
    data = plain(state)
    ticket = find_ticket(data, number)
    if ticket is None:
        raise KeyError(f"ticket {number} is not in the queue")
    windows, ahead = list(place.windows), place.ahead
    day = parse_at(ticket.get("issued_at")) or now
    path = f"/halls/{quote(hall.id)}/tickets/{day.astimezone(hall.tz).date()}/{quote(number)}"
    query = f"?k={quote(key)}" if key else ""
    url = base_url.rstrip("/") + path + query
    service = hall.service(str(ticket.get("service")))
    return {
        "number": number,
        "service": ticket.get("service"),
        "service_name": service.name if service else ticket.get("service"),
        "priority": bool(ticket.get("priority")),
        "issued_at": hhmm(hall, parse_at(ticket.get("issued_at"))) or hhmm(hall, now),
        "ahead": ahead,
        "wait_minutes": wait_minutes(data, windows, ahead, service_minutes),
        "windows": windows,
        "url": url,
        # The QR image is its own request (segno takes ~4 ms): the issue command stays fast.
        "qr_url": f"{path}/qr.svg{query}",
    }


def slip_for(
    hall: HallConfig,
    state: State,
    version: str,
    number: str,
    now: datetime,
    *,
    base_url: str,
    key: str,
) -> dict[str, Any] | None:
    """The slip of a ticket just issued, from the hall's state (None once it is no longer
    waiting: called already by the time we look)."""
    where = place(state, hall.windows, number)
    if where is None:
        return None
    public = public_state(hall, state, now, version, detail=False)
    return ticket_slip(hall, public, number, where, now, base_url=base_url, key=key)
