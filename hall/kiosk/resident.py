"""The resident's ticket page (public, no personal data): place in the queue, or where to go."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.kiosk.common import Labeller, PageInfo, Part, page_info, plain, service_name
from hall.kiosk.positions import find_ticket, people_ahead, wait_minutes, windows_for


@dataclass(frozen=True, slots=True)
class TicketStatus:
    state: str  # waiting | called | gone
    css: str
    headline: str  # 排队中 / 请到 3 号窗口 / 已办结
    ahead: str  # 前面还有 3 人
    wait: str  # 预计等候约 12 分钟
    windows: str  # 请留意 1 号窗口 叫号
    note: str


@dataclass(frozen=True, slots=True)
class TicketContext:
    page: PageInfo
    labels: Labeller
    number: str
    service: str
    status: TicketStatus

    def parts(self) -> tuple[Part, ...]:
        return (Part("ticket-status", "partials/ticket_status.html", {"status": self.status}),)


def ticket_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    number: str,
    lang: str,
    now: datetime,
    *,
    service_minutes: float | None = None,
) -> TicketContext:
    data = plain(state)
    labels = Labeller(lang)
    ticket = find_ticket(data, number)
    service = hall.service(number[:1]) if number[:1].isalpha() else None
    return TicketContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.ticket.title", number=number, hall=hall.name),
            view="ticket",
            ws_view=f"ticket-{number}",
        ),
        labels=labels,
        number=number,
        service=service_name(hall, ticket.get("service"))
        if ticket
        else (service.name if service else ""),
        status=_status(data, ticket, number, labels, service_minutes),
    )


def _status(
    state: Mapping[str, Any],
    ticket: Mapping[str, Any] | None,
    number: str,
    labels: Labeller,
    service_minutes: float | None,
) -> TicketStatus:
    if ticket is None:
        return TicketStatus(
            "gone", "tk-gone", labels("ticket.finished"), "", "", "", labels("ticket.finished_note")
        )
    if ticket.get("status") == "called":
        window = ticket.get("window")
        return TicketStatus(
            "called",
            "tk-called",
            labels("ticket.go_to", window=window),
            "",
            "",
            "",
            labels("ticket.called"),
        )
    windows = windows_for(state, ticket)
    ahead = people_ahead(state, number) or 0
    listed = labels("list.sep").join(labels("window.label", number=n) for n in windows)
    return TicketStatus(
        "waiting",
        "tk-waiting",
        labels("ticket.waiting"),
        labels("kiosk.ahead", ahead=ahead) if ahead else labels("ticket.next"),
        labels("kiosk.wait", minutes=wait_minutes(state, windows, ahead, service_minutes))
        if ahead
        else "",
        labels("kiosk.go_windows", windows=listed) if listed else "",
        labels("ticket.live_note"),
    )
