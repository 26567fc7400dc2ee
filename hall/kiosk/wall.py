"""The lobby wall screen: every window (the ticket at its counter, who serves it), the
calls still being made, the last calls and what became of them, in one language.

What the page script needs to announce a call (its id, window, ticket, spoken form, and
whether it is still current) comes in the fragments' data- attributes: the page never
guesses a call's fate."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.kiosk.calls import RECENT_CALLS, Call, call_log
from hall.kiosk.hours import Hours, hours_today
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.summary import clock
from hall.kiosk.times import local
from hall.kiosk.wall_tiles import (
    WallTile,
    serving_part,
    waiting_part,
    wall_tile,
    wall_tile_part,
)

RECENT_CALL = "partials/recent_call.html"  # an item of `recent-calls`, a live list
LEGEND = ("staffed", "away", "uncovered", "covered", "extended", "unstaffed")
# Words the page script shows: the sound indicator's three states.
SCRIPT_STRINGS = ("wall.sound.on", "wall.sound.off", "wall.sound.blocked")


@dataclass(frozen=True, slots=True)
class WallHours:
    """The header's second line: the hall's state, and the hours (or when it reopens, or
    which windows serve past closing)."""

    state: str  # 正在办理 / 午休 · 14:30 继续办理 / 延时服务中
    state_css: str  # open | unstaffed | extended | break | closed
    line: str  # 办公时间 08:00–12:00 14:30–17:30


@dataclass(frozen=True, slots=True)
class Count:
    id: str  # its live fragment: count-waiting | count-staffed (the label stays on the page)
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class LegendItem:
    css: str  # st-staffed
    label: str


@dataclass(frozen=True, slots=True)
class WallContext:
    page: PageInfo
    labels: Labeller
    hall_name: str  # in the page's language (the hall file's `name_en` for English)
    time: str  # 10:42 at render time; the page script keeps it ticking
    hours: WallHours
    tiles: tuple[WallTile, ...]
    servings: tuple[Part, ...]  # serving-N: the ticket at window N's counter
    waits: tuple[Part, ...]  # wait-N: how many wait for window N
    grid_cols: int  # tile columns: 7 windows -> 4 x 2
    grid_rows: int
    calling: Call | None  # the newest call still being made
    calls: tuple[Call, ...]  # the last calls, newest first, one per ticket and window
    counts: tuple[Count, ...]
    legend: tuple[LegendItem, ...]  # what the colours mean, in a spare board cell (or none)

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("clock-hours", "partials/wall_hours.html", {"hours": self.hours}),
            *(wall_tile_part(tile) for tile in self.tiles),
            *self.servings,
            *self.waits,
            Part("calling", "partials/calling.html", {"call": self.calling}),
            Part(
                "recent-calls",
                "partials/recent_calls.html",
                {"keep": RECENT_CALLS},
                items=tuple(Part(c.element, RECENT_CALL, {"c": c}) for c in self.calls),
                keep=RECENT_CALLS,
            ),
            *(Part(c.id, "partials/wall_count.html", {"value": c.value}) for c in self.counts),
        )


def wall_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    calls: Sequence[Mapping[str, Any]],
    lang: str,
    now: datetime,
) -> WallContext:
    """`calls`: today's call events and what ended them (`calls.CALL_LOG_TYPES`; other
    events are ignored), in any order."""
    data = plain(state)
    labels = Labeller(lang)
    hours = hours_today(hall, now)
    windows = data.get("windows", [])
    cols = grid_columns(len(windows))
    rows = math.ceil(len(windows) / cols) if windows else 1
    tiles = tuple(wall_tile(hall, w, hours, labels, now, services=rows == 1) for w in windows)
    serving = {
        int(w["number"]): str(w["serving"]["number"])
        for w in windows
        if isinstance(w.get("serving"), Mapping)
    }
    log = call_log(hall, calls, labels, serving, now)
    name = hall.label(labels.lang)
    return WallContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.wall.title", hall=name),
            view="wall",
            ws_view="wall",
            strings={key: labels(key) for key in SCRIPT_STRINGS},
        ),
        labels=labels,
        hall_name=name,
        time=local(hall, now).strftime("%H:%M"),
        hours=_hours(hall, data, hours, labels, now),
        tiles=tiles,
        servings=tuple(serving_part(w) for w in windows),
        waits=tuple(waiting_part(w, labels) for w in windows),
        grid_cols=cols,
        grid_rows=rows,
        calling=next((c for c in log if c.current), None),
        calls=log,
        counts=_counts(data, labels),
        legend=_legend(labels) if len(tiles) % cols else (),
    )


def grid_columns(count: int) -> int:
    rows = 1 if count <= 4 else 2 if count <= 10 else 3
    return max(1, math.ceil(count / rows))


def _hours(
    hall: HallConfig, state: Mapping[str, Any], hours: Hours, labels: Labeller, now: datetime
) -> WallHours:
    shown = clock(hall, state, hours, labels, now)
    extended = [str(w["number"]) for w in state.get("windows", []) if w.get("status") == "extended"]
    if extended and not state.get("open"):
        windows = labels("wall.extended_windows", numbers=labels("list.sep").join(extended))
        line = labels("wall.extended_line", windows=windows)
    elif shown.reopens is not None:
        line = shown.reopens.main
    else:
        line = shown.hours.main
    return WallHours(shown.state.main, shown.state_css, line)


def _counts(state: Mapping[str, Any], labels: Labeller) -> tuple[Count, ...]:
    occ: Mapping[str, Any] = state.get("occupancy") or {}
    waiting = int(occ.get("waiting") or 0)
    staffed, windows = int(occ.get("staffed_windows") or 0), int(occ.get("windows") or 0)
    return (
        Count(
            "count-waiting",
            labels("occupancy.waiting"),
            labels("occupancy.people", count=waiting),
        ),
        Count(
            "count-staffed",
            labels("occupancy.staffed_windows"),
            labels("occupancy.of", count=staffed, total=windows),
        ),
    )


def _legend(labels: Labeller) -> tuple[LegendItem, ...]:
    return tuple(LegendItem(f"st-{s}", labels(f"wall.status.{s}")) for s in LEGEND)
