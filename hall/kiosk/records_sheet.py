"""The month's attendance sheet page (考勤表, seed Art. 17; `/halls/{hall}/records?month=`):
a row per clerk with the Art. 17 columns, each name a link to the clerk's month, a total;
the month picker, the exports, the way to the replay and the services' figures; and, on
paper, an A4 sheet with the lines the office signs (制表 / 审核 / 签字 / 日期).

Built from the attendance report as JSON builtins (`hall.records.reports.Attendance`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlencode

from hall.config import HallConfig
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info
from hall.kiosk.records_common import (
    MonthNav,
    NavLink,
    figure,
    month_nav,
    month_title,
    nav_links,
    rate,
    replay_href,
    services_href,
    sheet_href,
    staff_href,
)
from hall.kiosk.replay import date_line

# The sheet's columns after the name, each a field of the report's rows (StaffTotals), in
# the order the page, the print and the exports (hall.web.exports) show them.
COLUMNS = (
    "sessions_due",
    "late_arrivals",
    "late_arrival_minutes",
    "late_absences",
    "late_absence_minutes",
    "absences",
    "absence_minutes",
    "covers",
    "cover_minutes",
    "extended_minutes",
    "leave_minutes",
    "served",
    "satisfaction",
)
# The header: each group's word and its units (次 / 分钟); a group without units spans both
# header rows.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("due", ()),
    ("late_arrival", ("times", "minutes")),
    ("late_absence", ("times", "minutes")),
    ("absence", ("times", "minutes")),
    ("cover", ("times", "minutes")),
    ("extended", ("minutes",)),
    ("leave", ("minutes",)),
    ("served", ()),
    ("satisfaction", ()),
)
_SIGN_LINES = ("records.print.made", "records.print.checked", "records.print.signed")


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SheetRow:
    staff: str
    name: str
    number: str  # 工号
    href: str  # the clerk's month
    cells: tuple[str, ...]  # COLUMNS, written
    appeals: str  # 1 申诉中 · 1 已撤销 ("" for none)
    flagged: bool  # a late arrival or a late absence counted this month


@dataclass(frozen=True, slots=True)
class SheetContext:
    page: PageInfo
    labels: Labeller
    hall_name: str
    nav: tuple[NavLink, ...]
    error: str  # why there is no sheet ("" when there is)
    month: MonthNav | None
    title: str  # 2026年3月 考勤表
    live_note: str  # today's figures may still change ("" for a month that is over)
    groups: tuple[Group, ...]
    numbers: bool  # some clerk has a 工号: the column is shown
    rows: tuple[SheetRow, ...]
    total: tuple[str, ...]
    exports: tuple[NavLink, ...]
    services_href: str
    replay_action: str
    replay_day: str  # the replay form's date: the month's last day so far
    replay_min: str
    replay_max: str
    made_at: str  # 制表时间 2026年3月31日 星期二 17:40
    sign_lines: tuple[str, ...]

    def parts(self) -> tuple[Part, ...]:
        return ()  # a still page


def sheet_context(
    hall: HallConfig,
    lang: str,
    now: datetime,
    month: date,
    report: Mapping[str, Any] | None,
    *,
    error: str = "",
    director: bool = True,
) -> SheetContext:
    """`report`: the month's attendance (None with an `error`); `director`: the bar links
    the other records pages (not for someone refused)."""
    labels = Labeller(lang)
    name = hall.label(labels.lang)
    today = now.astimezone(hall.tz).date()
    month = month.replace(day=1)
    value = f"{month:%Y-%m}"
    title = labels("records.sheet.title", month=month_title(labels, month))
    page = page_info(
        hall,
        lang,
        now,
        title=labels("page.records.title", hall=name, what=title),
        view="records",
        ws_view=None,
        query={"month": value},
    )
    rows = tuple(_row(hall, labels, r, value) for r in (report or {}).get("staff", ()))
    first = month
    last = date.fromisoformat(str(report["last"])) if report else month
    shown_last = min(last, today)
    lang_q = {"lang": labels.lang}
    api = f"/api/halls/{quote(hall.id, safe='')}/records"
    span = {"from": first.isoformat(), "until": max(first, shown_last).isoformat()}
    exports = (
        NavLink(f"{api}/attendance.csv?{urlencode({'month': value} | lang_q)}",
                labels("records.export.sheet_csv"), False),
        NavLink(f"{api}/attendance.xlsx?{urlencode({'month': value} | lang_q)}",
                labels("records.export.sheet_xlsx"), False),
        NavLink(f"{api}/tickets.csv?{urlencode(span | lang_q)}",
                labels("records.export.tickets_csv"), False),
        NavLink(f"{api}/tickets.xlsx?{urlencode(span | lang_q)}",
                labels("records.export.tickets_xlsx"), False),
    )  # fmt: skip
    live = bool(report and report.get("live"))
    return SheetContext(
        page=page,
        labels=labels,
        hall_name=name,
        nav=nav_links(hall, labels, "sheet", director=director),
        error=error,
        month=month_nav(labels, month, today, lambda m: sheet_href(hall, m)),
        title=title,
        live_note=labels("records.live", time=now.astimezone(hall.tz).strftime("%H:%M"))
        if live
        else "",
        groups=tuple(
            Group(labels(f"records.group.{g}"), tuple(labels(f"records.unit.{u}") for u in units))
            for g, units in GROUPS
        ),
        numbers=any(r.number for r in rows),
        rows=rows,
        total=_total(report["staff"]) if report else (),
        exports=exports,
        services_href=services_href(hall, first, max(first, shown_last)),
        replay_action=replay_href(hall),
        replay_day=max(first, shown_last).isoformat(),
        replay_min=first.isoformat(),
        replay_max=max(first, shown_last).isoformat(),
        made_at=labels("records.print.made_at", time=_stamp(labels, now, hall)),
        sign_lines=tuple(labels(key) for key in _SIGN_LINES),
    )


def _stamp(labels: Labeller, now: datetime, hall: HallConfig) -> str:
    local = now.astimezone(hall.tz)
    return f"{date_line(labels, local.date())} {local:%H:%M}"


def _row(hall: HallConfig, labels: Labeller, row: Mapping[str, Any], month: str) -> SheetRow:
    staff = str(row["staff"])
    appealed, voided = int(row.get("appealed") or 0), int(row.get("voided") or 0)
    notes = []
    if appealed:
        notes.append(labels("records.appeals.open", count=appealed))
    if voided:
        notes.append(labels("records.appeals.voided", count=voided))
    return SheetRow(
        staff=staff,
        name=str(row.get("name") or staff),
        number=str(row.get("number") or ""),
        href=staff_href(hall, staff, month),
        cells=tuple(_cell(column, row.get(column)) for column in COLUMNS),
        appeals=labels("list.sep").join(notes),
        flagged=bool(row.get("late_arrivals") or row.get("late_absences")),
    )


def _cell(column: str, value: object) -> str:
    return rate(value) if column == "satisfaction" else figure(value)


def _total(rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The columns summed over the clerks; 满意率 from the summed ratings (not averaged)."""
    cells = []
    for column in COLUMNS:
        if column == "satisfaction":
            ratings = [sum(int(r["ratings"][n]) for r in rows) for n in range(5)]
            total = sum(ratings)
            cells.append(rate(round(100 * (ratings[3] + ratings[4]) / total, 1) if total else None))
        elif column.endswith("_minutes"):
            cells.append(figure(round(sum(float(r.get(column) or 0) for r in rows), 1)))
        else:
            cells.append(figure(sum(int(r.get(column) or 0) for r in rows)))
    return tuple(cells)
