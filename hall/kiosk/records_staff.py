"""A clerk's month (`/halls/{hall}/records/staff/{staff}?month=`): their month's totals, then
every discipline record (迟到 by arrival; a late absence, 离岗未顶岗) with its evidence (the
events, as the director's feed says them), its status (counted, under appeal, upheld,
voided: struck through and out of the totals) and its appeal's trail; the clerk appeals
their own record (申诉), the director upholds or voids an appeal (维持 / 撤销), each with a
reason. And the duty page's part of it (`/me`, 我的记录): this month's records of whoever
is signed in, with a link here.

Built from the clerk's month as JSON builtins (`hall.records.reports.StaffMonth`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hall.config import HallConfig
from hall.core.model import APPEAL_DAYS
from hall.i18n import MONTHS_EN
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info
from hall.kiosk.records_common import (
    MonthNav,
    NavLink,
    figure,
    month_nav,
    month_title,
    nav_links,
    person_line,
    rate,
    script_strings,
    sheet_href,
    staff_href,
    who,
)
from hall.kiosk.sentences import event_sentence
from hall.kiosk.times import hhmm, hhmmss, parse_at

KINDS = {"arrival.late": "arrival", "absence.recorded": "absence"}


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a record's evidence or of its appeal's trail: when, and what."""

    time: str
    text: str


@dataclass(frozen=True, slots=True)
class RecordView:
    record: str  # R3 ("" for a record logged before records had ids)
    anchor: str  # the element id: record-R3
    kind: str  # arrival | absence (css hook)
    kind_label: str  # 迟到（到岗）
    when: str  # 3月2日 08:00–08:12
    window: str  # 2 号窗口 · 卫计办
    minutes: str  # 迟到 12 分钟
    status: str  # standing | appealed | upheld | voided
    status_label: str
    evidence: tuple[Line, ...]
    trail: tuple[Line, ...]
    appeal: str  # its appeal's id (P2), "" if never appealed
    may_appeal: bool  # the page's viewer is the clerk and may still appeal it
    may_decide: bool  # the page's viewer is the director and the appeal is open


@dataclass(frozen=True, slots=True)
class StaffMonthContext:
    page: PageInfo
    labels: Labeller
    hall_name: str
    nav: tuple[NavLink, ...]
    error: str
    month: MonthNav | None
    staff: str
    heading: str  # 陈少丽（工号 KY-001）
    title: str  # 2026年3月 个人考勤
    live_note: str
    sheet_href: str  # back to the month's sheet ("" for a clerk)
    facts: tuple[Fact, ...]
    records: tuple[RecordView, ...]

    def parts(self) -> tuple[Part, ...]:
        return ()  # a still page: an action reloads it


def staff_month_context(
    hall: HallConfig,
    lang: str,
    now: datetime,
    staff: str,
    month: date,
    report: Mapping[str, Any] | None,
    *,
    viewer: str | None,
    director: bool,
    error: str = "",
) -> StaffMonthContext:
    """`viewer`: the staff id of who looks (None: the admin token); `director`: they may
    decide appeals (the director, the admin)."""
    labels = Labeller(lang)
    name = hall.label(labels.lang)
    today = now.astimezone(hall.tz).date()
    month = month.replace(day=1)
    value = f"{month:%Y-%m}"
    heading = person_line(hall, labels, staff)
    title = labels("records.staff.title", month=month_title(labels, month))
    page = page_info(
        hall,
        lang,
        now,
        title=labels("page.records.title", hall=name, what=f"{heading} · {title}"),
        view="records-staff",
        ws_view=None,
        strings=script_strings(labels),
        query={"month": value},
    )
    own = viewer is not None and viewer == staff
    records = tuple(
        _record(hall, labels, r, today, own=own, director=director)
        for r in (report or {}).get("records", ())
    )
    live = bool(report and report.get("live"))
    return StaffMonthContext(
        page=page,
        labels=labels,
        hall_name=name,
        nav=nav_links(hall, labels, "staff", director=director),
        error=error,
        month=month_nav(labels, month, today, lambda m: staff_href(hall, staff, m)),
        staff=staff,
        heading=heading,
        title=title,
        live_note=labels("records.live", time=now.astimezone(hall.tz).strftime("%H:%M"))
        if live
        else "",
        sheet_href=sheet_href(hall, value) if director else "",
        facts=_facts(labels, report["totals"]) if report else (),
        records=records,
    )


def _facts(labels: Labeller, totals: Mapping[str, Any]) -> tuple[Fact, ...]:
    def pair(count: str, minutes: str) -> str:
        return labels(
            "records.times_minutes",
            times=figure(totals.get(count, 0)),
            minutes=figure(totals.get(minutes, 0.0)),
        )

    def mins(key: str) -> str:
        return labels("records.minutes", minutes=figure(totals.get(key, 0.0)))

    return (
        Fact(labels("records.group.due"), figure(totals.get("sessions_due", 0))),
        Fact(labels("records.group.late_arrival"), pair("late_arrivals", "late_arrival_minutes")),
        Fact(labels("records.group.late_absence"), pair("late_absences", "late_absence_minutes")),
        Fact(labels("records.group.absence"), pair("absences", "absence_minutes")),
        Fact(labels("records.group.cover"), pair("covers", "cover_minutes")),
        Fact(labels("records.group.extended"), mins("extended_minutes")),
        Fact(labels("records.group.leave"), mins("leave_minutes")),
        Fact(labels("records.group.served"), figure(totals.get("served", 0))),
        Fact(labels("records.group.satisfaction"), rate(totals.get("satisfaction"))),
    )


def _day(labels: Labeller, day: date) -> str:
    return labels("date.short", month=day.month, day=day.day, month_name=MONTHS_EN[day.month - 1])


def _record(
    hall: HallConfig,
    labels: Labeller,
    r: Mapping[str, Any],
    today: date,
    *,
    own: bool,
    director: bool,
) -> RecordView:
    kind = KINDS.get(str(r["kind"]), "absence")
    day = date.fromisoformat(str(r["day"]))
    start, end = parse_at(r.get("start")), parse_at(r.get("end"))
    number = int(r["window"])
    window = hall.window(number)
    status = str(r.get("status") or "standing")
    appeal: Mapping[str, Any] = r.get("appeal") or {}
    record = str(r.get("record") or "")
    return RecordView(
        record=record,
        anchor=f"record-{record or r['event']}",
        kind=kind,
        kind_label=labels(f"records.kind.{kind}"),
        when=f"{_day(labels, day)} {hhmm(hall, start)}–{hhmm(hall, end)}",
        window=labels("window.label", number=number)
        + (f" · {window.label(labels.lang)}" if window else ""),
        minutes=labels(f"records.record.{kind}", minutes=figure(r.get("minutes"))),
        status=status,
        status_label=labels(f"records.status.{status}"),
        evidence=tuple(
            Line(hhmmss(hall, parse_at(e.get("at"))), event_sentence(hall, e, labels))
            for e in r.get("events", ())
        ),
        trail=_trail(hall, labels, appeal),
        appeal=str(appeal.get("appeal") or ""),
        may_appeal=own
        and bool(record)
        and status == "standing"
        and (today - day).days <= APPEAL_DAYS,
        may_decide=director and status == "appealed" and bool(appeal.get("appeal")),
    )


def _trail(hall: HallConfig, labels: Labeller, appeal: Mapping[str, Any]) -> tuple[Line, ...]:
    if not appeal:
        return ()
    lines = [
        Line(
            _moment(hall, labels, appeal.get("filed_at")),
            labels(
                "records.trail.filed",
                appeal=appeal.get("appeal", ""),
                who=who(hall, labels, appeal.get("filed_by")),
                reason=appeal.get("reason", ""),
            ),
        )
    ]
    if appeal.get("upheld") is not None:
        lines.append(
            Line(
                _moment(hall, labels, appeal.get("decided_at")),
                labels(
                    "records.trail.decided",
                    who=who(hall, labels, appeal.get("decided_by")),
                    outcome=labels("appeal.upheld" if appeal["upheld"] else "appeal.voided"),
                    reason=appeal.get("decision", ""),
                ),
            )
        )
    return tuple(lines)


def _moment(hall: HallConfig, labels: Labeller, value: object) -> str:
    moment = parse_at(value)
    if moment is None:
        return ""
    local = moment.astimezone(hall.tz)
    return f"{_day(labels, local.date())} {local:%H:%M}"


# -- the duty page's part ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MyRecord:
    when: str
    kind_label: str
    minutes: str
    status: str
    status_label: str


@dataclass(frozen=True, slots=True)
class MyRecords:
    """我的记录 on `/me`: this month's records of whoever is signed in (computed when the
    page loads, not per frame), and the way to their month, where they appeal."""

    title: str  # 我的记录 · 2026年3月
    href: str  # their month
    link: str
    items: tuple[MyRecord, ...]
    note: str  # 本月没有迟到记录, or why the records cannot be shown now


def my_records(
    hall: HallConfig,
    lang: str,
    staff: str,
    month: date,
    report: Mapping[str, Any] | None,
) -> MyRecords:
    """`report`: the clerk's month (None: the records database did not answer)."""
    labels = Labeller(lang)
    items = tuple(
        MyRecord(
            when=view.when,
            kind_label=view.kind_label,
            minutes=view.minutes,
            status=view.status,
            status_label=view.status_label,
        )
        for view in (
            _record(hall, labels, r, month, own=False, director=False)
            for r in (report or {}).get("records", ())
        )
    )
    if report is None:
        note = labels("records.me.unavailable")
    else:
        note = "" if items else labels("records.me.none")
    return MyRecords(
        title=labels("records.me.title", month=month_title(labels, month)),
        href=staff_href(hall, staff, f"{month:%Y-%m}"),
        link=labels("records.me.link"),
        items=items,
        note=note,
    )
