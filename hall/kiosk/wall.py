"""The lobby wall screen: every window, the call being made, the last calls."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.i18n import t
from hall.kiosk.calls import Call, recent_calls
from hall.kiosk.hours import hours_today
from hall.kiosk.labels import Labeller, Text
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.summary import Clock, Stat, clock, occupancy
from hall.kiosk.tiles import Tile, tile_part, window_tile


@dataclass(frozen=True, slots=True)
class ExtendedBanner:
    show: bool
    text: Text | None  # 办公时间已过，3、5 号窗口延时服务，请耐心等候


@dataclass(frozen=True, slots=True)
class LegendItem:
    css: str  # st-staffed
    label: Text


LEGEND = ("staffed", "away", "uncovered", "covered", "extended", "unstaffed")


@dataclass(frozen=True, slots=True)
class WallContext:
    page: PageInfo
    labels: Labeller
    clock: Clock
    tiles: tuple[Tile, ...]
    grid_cols: int  # tile columns: 7 windows -> 4 x 2
    calling: Call | None  # the newest call, shown in the banner
    calls: tuple[Call, ...]  # the last six, newest first
    extended: ExtendedBanner
    occupancy: tuple[Stat, ...]
    legend: tuple[LegendItem, ...]  # what the colours mean, in a spare board cell (or none)

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("clock-hours", "partials/clock_hours.html", {"clock": self.clock}),
            *(tile_part(tile, "wall") for tile in self.tiles),
            Part("calling", "partials/calling.html", {"call": self.calling}),
            Part("recent-calls", "partials/recent_calls.html", {"calls": self.calls}),
            Part("extended-banner", "partials/extended_banner.html", {"banner": self.extended}),
            Part("occupancy", "partials/occupancy.html", {"stats": self.occupancy}),
        )


def wall_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    calls: Sequence[Mapping[str, Any]],
    lang: str,
    now: datetime,
) -> WallContext:
    """`calls`: recent `ticket.called` / `ticket.recalled` events (any order, any number;
    other event types are ignored)."""
    data = plain(state)
    labels = Labeller(lang, bilingual=True)
    hours = hours_today(hall, now)
    tiles = tuple(window_tile(hall, w, hours, labels, now) for w in data.get("windows", []))
    recent = recent_calls(hall, calls, labels)
    return WallContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.wall.title", hall=hall.name),
            view="wall",
            ws_view="wall",
        ),
        labels=labels,
        clock=clock(hall, data, hours, labels, now),
        tiles=tiles,
        grid_cols=grid_columns(len(tiles)),
        calling=recent[0] if recent else None,
        calls=recent,
        extended=_extended(data, labels),
        occupancy=occupancy(data, labels),
        legend=_legend(labels) if len(tiles) % grid_columns(len(tiles)) else (),
    )


def grid_columns(count: int) -> int:
    rows = 1 if count <= 4 else 2 if count <= 10 else 3
    return max(1, math.ceil(count / rows))


def _extended(state: Mapping[str, Any], labels: Labeller) -> ExtendedBanner:
    numbers = [str(w["number"]) for w in state.get("windows", []) if w.get("status") == "extended"]
    if not numbers or state.get("open"):
        return ExtendedBanner(False, None)

    def banner(lang: str) -> str:
        listed = t(lang, "list.sep").join(numbers)
        windows = t(lang, "wall.extended_windows", numbers=listed)
        return t(lang, "wall.extended_banner", windows=windows)

    return ExtendedBanner(True, labels.pair(banner))


def _legend(labels: Labeller) -> tuple[LegendItem, ...]:
    return tuple(LegendItem(f"st-{s}", labels.text(f"status.{s}")) for s in LEGEND)
