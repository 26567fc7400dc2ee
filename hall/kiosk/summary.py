"""The header and footer pieces shared by the wall and the director: clock, occupancy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.i18n import MONTHS_EN, normalize_lang, other_lang, t
from hall.kiosk.common import Labeller, Text, local
from hall.kiosk.hours import Hours


@dataclass(frozen=True, slots=True)
class Clock:
    date: Text  # 2026年11月28日 星期六
    time: str  # 10:42 at render time; the page script keeps it ticking
    hours: Text  # 办公时间 08:00–12:00 14:30–17:30
    state: Text  # 正在办理 / 暂停办理 / 延时服务中
    state_css: str  # open | closed | extended


@dataclass(frozen=True, slots=True)
class Stat:
    key: str  # css hook
    label: Text
    value: str


def clock(
    hall: HallConfig,
    state: Mapping[str, Any],
    hours: Hours,
    labels: Labeller,
    now: datetime,
) -> Clock:
    here = local(hall, now)
    extended = any(w.get("status") == "extended" for w in state.get("windows", []))
    if state.get("open"):
        key, css = "hall.open", "open"
    elif extended:
        key, css = "hall.extended", "extended"
    else:
        key, css = "hall.closed", "closed"
    spans = "  ".join(hours.spans)
    return Clock(
        date=Text(
            _date_line(labels.lang, here),
            _date_line(other_lang(labels.lang), here) if labels.bilingual else "",
        ),
        time=here.strftime("%H:%M"),
        hours=labels.text("wall.hours", hours=spans)
        if spans
        else labels.text("wall.no_hours_today"),
        state=labels.text(key),
        state_css=css,
    )


def _date_line(lang: str, day: datetime) -> str:
    return t(
        normalize_lang(lang),
        "date.line",
        year=day.year,
        month=day.month,
        day=day.day,
        month_name=MONTHS_EN[day.month - 1],
        weekday=t(lang, f"weekday.{day.weekday()}"),
    )


def occupancy(state: Mapping[str, Any], labels: Labeller) -> tuple[Stat, ...]:
    occ: Mapping[str, Any] = state.get("occupancy") or {}

    def num(key: str) -> int:
        return int(occ.get(key) or 0)

    return (
        Stat("in-hall", labels.text("occupancy.in_hall"), str(num("in_hall"))),
        Stat("waiting", labels.text("occupancy.waiting"), str(num("waiting"))),
        Stat("being-served", labels.text("occupancy.being_served"), str(num("being_served"))),
        Stat(
            "staffed",
            labels.text("occupancy.staffed_windows"),
            labels("occupancy.of", count=num("staffed_windows"), total=num("windows")),
        ),
    )
