"""The day replay page (director): pick a day, move through it minute by minute, see the wall
as it was (in a frame: the wall's own page, `replay_wall`), every window's statuses over the
day with a line at the minute, residents and waits by hour, and the month's occupancy.

Built from plain data (a day's timeline and the month's, as `hall.records.timeline` makes
them, turned into builtins), like every screen context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from hall.config import HallConfig
from hall.i18n import MONTHS_EN
from hall.kiosk.charts import (
    STATUSES,
    Axis,
    BandRow,
    Cell,
    Panel,
    Segment,
    Series,
    bars,
    heat_grid,
    status_bands,
)
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info
from hall.kiosk.times import parse_at
from hall.schedule import day_start, sessions_on

DAY_MINUTES = 24 * 60
SCRIPT_STRINGS = ("replay.failed", "replay.frame_title")
ISSUED, WAITING, P50, LONGEST = "#2563eb", "#b45309", "#7c3aed", "#0f172a"


@dataclass(frozen=True, slots=True)
class Slider:
    """Minutes from the day's midnight: the slider spans the bands' axis (so its thumb
    stands over the bands' line); today, no further than `last` (now)."""

    low: int
    high: int
    last: int
    value: int
    text: str  # the value as HH:MM


@dataclass(frozen=True, slots=True)
class ReplayContext:
    page: PageInfo
    labels: Labeller
    hall_name: str
    day: str  # YYYY-MM-DD, the date input's value
    today: str  # the date input's max
    day_line: str  # 2026年3月2日 星期一
    error: str  # why there is nothing to show ("" when there is)
    slider: Slider | None
    frame_src: str  # the wall at the slider's minute (replay_wall)
    frame_title: str
    parts_url: str  # the same, as fragments (the page script adds `minute`)
    bands: Markup
    hours: Markup
    month: Markup
    month_title: str
    empty: bool  # nothing was recorded that day

    def parts(self) -> tuple[Part, ...]:
        return ()  # a still page: nothing live


def replay_context(
    hall: HallConfig,
    lang: str,
    now: datetime,
    day: date | None,
    *,
    minute: int | None = None,
    timeline: Mapping[str, Any] | None = None,
    month: Sequence[Mapping[str, Any]] = (),
    error: str = "",
) -> ReplayContext:
    """`timeline`: the day's (None with an `error`); `month`: the timelines of the day's
    month so far; `minute`: the slider's (default: the start of the day's hours)."""
    labels = Labeller(lang)
    name = hall.label(labels.lang)
    today = now.astimezone(hall.tz).date()
    shown = day or today
    query = {"day": shown.isoformat()} | ({"minute": str(minute)} if minute is not None else {})
    page = page_info(
        hall,
        lang,
        now,
        title=labels("page.replay.title", hall=name),
        view="replay",
        ws_view=None,
        strings={key: labels(key) for key in SCRIPT_STRINGS},
        query=query,
    )
    common: dict[str, Any] = {
        "page": page,
        "labels": labels,
        "hall_name": name,
        "day": shown.isoformat(),
        "today": today.isoformat(),
        "day_line": date_line(labels, shown),
    }
    if timeline is None or error:
        return ReplayContext(
            **common,
            error=error,
            slider=None,
            frame_src="",
            frame_title="",
            parts_url="",
            bands=Markup(),
            hours=Markup(),
            month=Markup(),
            month_title="",
            empty=True,
        )
    low, high = day_span(hall, shown, timeline)
    last = high
    if shown == today:  # not past now
        last = max(low, min(high, minute_of(hall, shown, now)))
    value = min(max(minute if minute is not None else low, low), last)
    time = hhmm(value)
    path = f"/halls/{hall.id}/records/replay/wall"
    frame_query = {"day": shown.isoformat(), "minute": str(value), "lang": labels.lang}
    every = 60 if high - low <= 12 * 60 else 120  # a tick label every hour, or two
    axis = Axis(low, high, tuple((m, hhmm(m)) for m in range(low, high + 1, every)))
    return ReplayContext(
        **common,
        error="",
        slider=Slider(low, high, last, value, time),
        frame_src=f"{path}?{urlencode(frame_query)}",
        frame_title=labels("replay.frame_title", time=time),
        parts_url=f"{path}?{urlencode({'day': shown.isoformat(), 'parts': '1'})}",
        bands=_bands(hall, labels, shown, timeline, axis, value),
        hours=_hours(labels, shown, timeline, low, high),
        month=_month(hall, labels, shown, month),
        month_title=labels("replay.month.title", month=month_name(labels, shown)),
        empty=not any(h["issued"] for h in timeline["hours"]) and _all_closed(timeline),
    )


def date_line(labels: Labeller, day: date) -> str:
    weekday = labels(f"weekday.{day.weekday()}")
    return labels("date.line", year=day.year, month=day.month, day=day.day,
                  month_name=MONTHS_EN[day.month - 1], weekday=weekday)  # fmt: skip


def month_name(labels: Labeller, day: date) -> str:
    return labels("date.month", year=day.year, month=day.month, month_name=MONTHS_EN[day.month - 1])


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def minute_of(hall: HallConfig, day: date, moment: datetime) -> int:
    """Minutes from the day's midnight to `moment` (floored; 0..1440)."""
    seconds = (moment - day_start(hall, day)).total_seconds()
    return int(min(max(seconds, 0), DAY_MINUTES * 60) // 60)


def moment_at(hall: HallConfig, day: date, minute: int, now: datetime) -> datetime:
    """What the slider's minute shows: the hall at the end of that minute (the wall's clock
    read it all minute long), or now, if that is earlier."""
    end = day_start(hall, day) + timedelta(minutes=minute + 1, microseconds=-1)
    return min(end, now)


def day_span(hall: HallConfig, day: date, timeline: Mapping[str, Any]) -> tuple[int, int]:
    """The minutes the slider and the bands cover: the day's sessions and whatever was open
    beyond them (extended service), in whole hours; the whole day when nothing was."""
    marks = [m for span in sessions_on(hall, day) for m in span]
    for band in timeline["bands"]:
        for interval in band["intervals"]:
            if interval["status"] != "closed":
                marks += [_at(interval["start"]), _at(interval["end"])]
    if not marks:
        return 0, DAY_MINUTES
    first = minute_of(hall, day, min(marks))
    last = minute_of(hall, day, max(marks) - timedelta(microseconds=1)) + 1
    return first // 60 * 60, min(DAY_MINUTES, -(-last // 60) * 60)


def _at(value: object) -> datetime:
    moment = parse_at(value)
    assert moment is not None
    return moment


def _all_closed(timeline: Mapping[str, Any]) -> bool:
    return all(i["status"] == "closed" for b in timeline["bands"] for i in b["intervals"])


def _window_label(hall: HallConfig, labels: Labeller, number: int) -> str:
    window = hall.window(number)
    named = window.label(labels.lang) if window else ""
    return labels("replay.window", number=number, name=named)


def _bands(
    hall: HallConfig,
    labels: Labeller,
    day: date,
    timeline: Mapping[str, Any],
    axis: Axis,
    marker: int,
) -> Markup:
    rows: list[BandRow] = []
    words = {s: labels(f"replay.status.{s}") for s in STATUSES}
    for band in timeline["bands"]:
        label = _window_label(hall, labels, int(band["window"]))
        segments = []
        for interval in band["intervals"]:
            start = _minutes(hall, day, _at(interval["start"]))
            end = _minutes(hall, day, _at(interval["end"]))
            status = str(interval["status"])
            title = labels("replay.segment", window=label, start=hhmm(int(start)),
                           end=hhmm(int(end)), status=words.get(status, status))  # fmt: skip
            segments.append(Segment(start, end, status, title))
        rows.append(BandRow(label, tuple(segments)))
    shown = date_line(labels, day)
    return status_bands(
        "replay-bands",
        labels("replay.bands.title", date=shown),
        labels("replay.bands.desc", time=hhmm(marker)),
        rows,
        axis,
        [(s, words[s]) for s in STATUSES],
        marker,
    )


def _minutes(hall: HallConfig, day: date, moment: datetime) -> float:
    return (moment - day_start(hall, day)).total_seconds() / 60


def _hours(labels: Labeller, day: date, timeline: Mapping[str, Any], low: int, high: int) -> Markup:
    hours = [h for h in timeline["hours"] if low // 60 <= int(h["hour"]) < -(-high // 60)]
    cats = [f"{int(h['hour']):02d}" for h in hours]

    def series(name: str, colour: str, key: str, title: str, kind: str = "bar") -> Series:
        values = tuple(None if h[key] is None else float(h[key]) for h in hours)
        titles = tuple(
            labels(title, hour=c, count=_fmt(v), minutes=_fmt(v)) if v is not None else ""
            for c, v in zip(cats, values, strict=True)
        )
        texts = tuple(_fmt(v) if v else "" for v in values)
        return Series(labels(name), colour, values, titles, texts, kind)  # type: ignore[arg-type]

    people = Panel(
        labels("replay.hours.people"),
        (
            series("replay.hours.issued", ISSUED, "issued", "replay.hours.bar_issued"),
            series("replay.hours.waiting", WAITING, "waiting", "replay.hours.bar_waiting"),
        ),
    )
    waits = Panel(
        labels("replay.hours.minutes"),
        (
            series("replay.hours.p50", P50, "wait_p50", "replay.hours.bar_p50"),
            series("replay.hours.max", LONGEST, "wait_max", "replay.hours.bar_max", "tick"),
        ),
    )
    return bars(
        "replay-hours",
        labels("replay.hours.title", date=date_line(labels, day)),
        labels("replay.hours.desc"),
        cats,
        (people, waits),
    )


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if value == int(value) or value >= 10 else f"{value:.1f}"


def _month(
    hall: HallConfig, labels: Labeller, day: date, month: Sequence[Mapping[str, Any]]
) -> Markup:
    if not month:
        return Markup()
    days = [date.fromisoformat(str(t["day"])) for t in month]
    rows: list[tuple[str, list[Cell]]] = []
    for window in hall.windows:
        label = _window_label(hall, labels, window.number)
        cells: list[Cell] = []
        for shown, timeline in zip(days, month, strict=True):
            found = [o for o in timeline["occupancy"] if int(o["window"]) == window.number]
            when = labels("date.short", month=shown.month, day=shown.day,
                          month_name=MONTHS_EN[shown.month - 1])  # fmt: skip
            if not found or not found[0]["open_minutes"]:
                cells.append(Cell(None, "", labels("replay.month.closed", window=label, date=when)))
                continue
            opened, staffed = float(found[0]["open_minutes"]), float(found[0]["staffed_minutes"])
            share = staffed / opened
            title = labels("replay.month.cell", window=label, date=when, staffed=_fmt(staffed),
                           open=_fmt(opened), share=f"{share:.0%}")  # fmt: skip
            cells.append(Cell(share, f"{share * 100:.0f}", title))
        rows.append((label, cells))
    return heat_grid(
        "replay-month",
        labels("replay.month.title", month=month_name(labels, day)),
        labels("replay.month.desc"),
        rows,
        [str(d.day) for d in days],
    )
