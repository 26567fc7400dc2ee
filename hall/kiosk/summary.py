"""The header and footer pieces shared by the wall and the director: clock, occupancy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.i18n import MONTHS_EN, normalize_lang, other_lang, t
from hall.kiosk.hours import Hours
from hall.kiosk.labels import Labeller, Text
from hall.kiosk.times import local


@dataclass(frozen=True, slots=True)
class Clock:
    date: Text  # 2026年11月28日 星期六
    time: str  # 10:42 at render time; the page script keeps it ticking
    hours: Text  # 办公时间 08:00–12:00 14:30–17:30, or 今日休息（国庆节）
    state: Text  # 正在办理 / 暂无窗口在岗 / 午休 / 今日已下班 / 延时服务中 / 今日休息
    state_css: str  # open | unstaffed | extended | break | closed
    reopens: Text | None = None  # 下次开放 10月8日 08:00 (evenings and days off)


@dataclass(frozen=True, slots=True)
class Stat:
    key: str  # css hook
    label: Text
    value: str
    alarm: bool = False  # something to act on (red); never for a zero


def clock(
    hall: HallConfig,
    state: Mapping[str, Any],
    hours: Hours,
    labels: Labeller,
    now: datetime,
) -> Clock:
    here = local(hall, now)
    extended = any(w.get("status") == "extended" for w in state.get("windows", []))
    staffed = int((state.get("occupancy") or {}).get("staffed_windows") or 0)
    params: dict[str, object] = {"time": hours.next_open or ""}
    if state.get("open"):
        key, css = ("hall.open", "open") if staffed else ("hall.open_unstaffed", "unstaffed")
    elif extended:
        key, css = "hall.extended", "extended"
    elif hours.phase == "between":
        key, css = "hall.lunch", "break"
    elif hours.phase == "before":
        key, css = "hall.before", "closed"
    elif hours.phase == "day_off":
        key, css = "hall.day_off", "closed"
    else:
        key, css = "hall.after", "closed"
    spans = "  ".join(hours.spans)
    reopens = None
    if css == "closed" and hours.phase != "before" and hours.reopens is not None:
        moment = local(hall, hours.reopens)
        reopens = labels.pair(lambda lang: _reopens(lang, moment))
    return Clock(
        date=Text(
            _date_line(labels.lang, here),
            _date_line(other_lang(labels.lang), here) if labels.bilingual else "",
        ),
        time=here.strftime("%H:%M"),
        hours=labels.text("wall.hours", hours=spans) if spans else _day_off(labels, hours),
        state=labels.text(key, **params),
        state_css=css,
        reopens=reopens,
    )


def _day_off(labels: Labeller, hours: Hours) -> Text:
    reason = hours.day_off or "weekend"
    if reason in ("weekend", "closed"):
        return labels.text("wall.no_hours_today")
    return labels.pair(lambda lang: t(lang, "wall.holiday", name=holiday_name(lang, reason)))


def holiday_name(lang: str, name: str) -> str:
    """A national holiday's name ("National Day") in `lang`."""
    try:
        return t(lang, f"holiday.{name}")
    except KeyError:
        return name


def _reopens(lang: str, moment: datetime) -> str:
    day = t(
        lang,
        "date.short",
        month=moment.month,
        day=moment.day,
        month_name=MONTHS_EN[moment.month - 1],
    )
    weekday = t(lang, f"weekday.{moment.weekday()}")
    return t(lang, "hall.reopens", date=day, weekday=weekday, time=f"{moment:%H:%M}")


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
