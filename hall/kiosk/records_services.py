"""The services' figures over a range of days (`/halls/{hall}/records/services?from=&until=`):
a row per service (tickets, served, no-shows, transfers, closed, waits and service times:
median, 90th percentile, longest; SLA breaches), then two pictures: residents and waits by
hour of the day over the range (each hour's waits recomputed from every ticket, never an
average of days), and every window's occupancy by day (the replay's heat grid).

Built from plain data: the services report, the range's tickets and its days' timelines
(`hall.records.reports`, `hall.records.timeline`) as JSON builtins."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from hall.config import HallConfig
from hall.i18n import MONTHS_EN
from hall.kiosk.charts import Cell, Panel, Series, bars, heat_grid
from hall.kiosk.labels import Labeller, service_name
from hall.kiosk.page import PageInfo, Part, page_info
from hall.kiosk.records_common import NavLink, figure, nav_links, sheet_href
from hall.kiosk.replay import ISSUED, LONGEST, P50
from hall.kiosk.times import parse_at

P90 = "#0e7490"
PICTURE_DAYS = 62  # the occupancy grid is drawn for ranges up to two months
COLUMNS = (
    "issued",
    "served",
    "no_shows",
    "transfers",
    "closed",
    "wait_p50",
    "wait_p90",
    "wait_max",
    "service_p50",
    "service_p90",
    "service_max",
    "sla_breaches",
)


@dataclass(frozen=True, slots=True)
class ServiceRow:
    code: str
    name: str  # A 党群服务
    cells: tuple[str, ...]  # COLUMNS, written


@dataclass(frozen=True, slots=True)
class ServicesContext:
    page: PageInfo
    labels: Labeller
    hall_name: str
    nav: tuple[NavLink, ...]
    error: str
    first: str  # the range's inputs (YYYY-MM-DD)
    last: str
    today: str  # the inputs' max
    title: str  # 3月1日 – 3月31日 各事项统计
    live_note: str
    sheet_href: str  # the month's attendance sheet (of the range's first day)
    rows: tuple[ServiceRow, ...]
    hours: Markup  # "" when no ticket was issued
    occupancy: Markup  # "" for a range longer than PICTURE_DAYS
    occupancy_note: str  # why the grid is not drawn

    def parts(self) -> tuple[Part, ...]:
        return ()  # a still page


def services_context(
    hall: HallConfig,
    lang: str,
    now: datetime,
    first: date,
    last: date,
    report: Mapping[str, Any] | None = None,
    tickets: Sequence[Mapping[str, Any]] = (),
    timelines: Sequence[Mapping[str, Any]] = (),
    *,
    error: str = "",
) -> ServicesContext:
    """`report`: the services' figures (None with an `error`); `tickets`: the range's
    ticket rows; `timelines`: its days' timelines (none past PICTURE_DAYS)."""
    labels = Labeller(lang)
    name = hall.label(labels.lang)
    today = now.astimezone(hall.tz).date()
    span = labels("records.range", first=short_day(labels, first), last=short_day(labels, last))
    title = labels("records.services.title", range=span)
    page = page_info(
        hall,
        lang,
        now,
        title=labels("page.records.title", hall=name, what=title),
        view="records-services",
        ws_view=None,
        query={"from": first.isoformat(), "until": last.isoformat()},
    )
    rows = tuple(_row(hall, labels, s) for s in (report or {}).get("services", ()))
    long_range = (last - first).days + 1 > PICTURE_DAYS
    return ServicesContext(
        page=page,
        labels=labels,
        hall_name=name,
        nav=nav_links(hall, labels, "services"),
        error=error,
        first=first.isoformat(),
        last=last.isoformat(),
        today=today.isoformat(),
        title=title,
        live_note=labels("records.live", time=now.astimezone(hall.tz).strftime("%H:%M"))
        if report and report.get("live")
        else "",
        sheet_href=sheet_href(hall, f"{first:%Y-%m}"),
        rows=rows,
        hours=hours_chart(hall, labels, span, tickets) if report else Markup(),
        occupancy=Markup()
        if long_range or not report
        else occupancy_chart(hall, labels, span, timelines),
        occupancy_note=labels("records.occupancy.too_long", days=PICTURE_DAYS)
        if long_range and report
        else "",
    )


def short_day(labels: Labeller, day: date) -> str:
    return labels("date.day", year=day.year, month=day.month, day=day.day,
                  month_name=MONTHS_EN[day.month - 1])  # fmt: skip


def _row(hall: HallConfig, labels: Labeller, s: Mapping[str, Any]) -> ServiceRow:
    code = str(s["service"])
    return ServiceRow(
        code=code,
        name=f"{code} {service_name(hall, code, labels.lang)}",
        cells=tuple(figure(s.get(column)) for column in COLUMNS),
    )


def nearest_rank(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def by_hour(
    hall: HallConfig, tickets: Sequence[Mapping[str, Any]]
) -> dict[int, tuple[int, list[float]]]:
    """Hour of the day -> (tickets issued in it over the range, the waits to the first call
    of those who were called), in the hall's time."""
    hours: dict[int, tuple[int, list[float]]] = {}
    for ticket in tickets:
        issued = parse_at(ticket.get("issued"))
        if issued is None:
            continue
        hour = issued.astimezone(hall.tz).hour
        count, waits = hours.get(hour, (0, []))
        wait = ticket.get("wait_minutes")
        if isinstance(wait, int | float):
            waits.append(float(wait))
        hours[hour] = (count + 1, waits)
    return hours


def hours_chart(
    hall: HallConfig, labels: Labeller, span: str, tickets: Sequence[Mapping[str, Any]]
) -> Markup:
    found = by_hour(hall, tickets)
    if not found:
        return Markup()
    hours = list(range(min(found), max(found) + 1))
    cats = [f"{h:02d}" for h in hours]
    issued = tuple(float(found.get(h, (0, []))[0]) for h in hours)

    def waits(share: float | None) -> tuple[float | None, ...]:
        out: list[float | None] = []
        for h in hours:
            values = found.get(h, (0, []))[1]
            if not values:
                out.append(None)
            else:
                out.append(round(max(values) if share is None else nearest_rank(values, share), 1))
        return tuple(out)

    def series(name: str, colour: str, values: tuple[float | None, ...], title: str,
               kind: str = "bar") -> Series:  # fmt: skip
        titles = tuple(
            labels(title, hour=c, count=figure(v), minutes=figure(v)) if v is not None else ""
            for c, v in zip(cats, values, strict=True)
        )
        texts = tuple(figure(v) if v else "" for v in values)
        return Series(labels(name), colour, values, titles, texts, kind)  # type: ignore[arg-type]

    people = Panel(
        labels("replay.hours.people"),
        (series("replay.hours.issued", ISSUED, issued, "records.hours.bar_issued"),),
    )
    minutes = Panel(
        labels("replay.hours.minutes"),
        (
            series("replay.hours.p50", P50, waits(0.5), "records.hours.bar_p50"),
            series("records.hours.p90", P90, waits(0.9), "records.hours.bar_p90"),
            series("replay.hours.max", LONGEST, waits(None), "records.hours.bar_max", "tick"),
        ),
    )
    return bars(
        "records-hours",
        labels("records.hours.title", range=span),
        labels("records.hours.desc"),
        cats,
        (people, minutes),
    )


def occupancy_chart(
    hall: HallConfig, labels: Labeller, span: str, timelines: Sequence[Mapping[str, Any]]
) -> Markup:
    """Per window and day, the share of its open minutes someone served it (the replay's
    month grid, over the range)."""
    if not timelines:
        return Markup()
    days = [date.fromisoformat(str(t["day"])) for t in timelines]
    rows: list[tuple[str, list[Cell]]] = []
    for window in hall.windows:
        label = labels("replay.window", number=window.number, name=window.label(labels.lang))
        cells: list[Cell] = []
        for shown, timeline in zip(days, timelines, strict=True):
            found = [o for o in timeline["occupancy"] if int(o["window"]) == window.number]
            when = short_day(labels, shown)
            if not found or not found[0]["open_minutes"]:
                cells.append(Cell(None, "", labels("replay.month.closed", window=label, date=when)))
                continue
            opened, staffed = float(found[0]["open_minutes"]), float(found[0]["staffed_minutes"])
            share = staffed / opened
            title = labels("replay.month.cell", window=label, date=when, staffed=figure(staffed),
                           open=figure(opened), share=f"{share:.0%}")  # fmt: skip
            cells.append(Cell(share, f"{share * 100:.0f}", title))
        rows.append((label, cells))
    columns = [f"{d.month}/{d.day}" if d.day == 1 or n == 0 else str(d.day)
               for n, d in enumerate(days)]  # fmt: skip
    return heat_grid(
        "records-occupancy",
        labels("records.occupancy.title", range=span),
        labels("replay.month.desc"),
        rows,
        columns,
    )
