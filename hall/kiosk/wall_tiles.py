"""A window as the lobby wall shows it, for residents reading it from across the hall: its
number and services, its staffing as a colour band with a short word, the ticket at its
counter in large type, and how many wait for it. Lean on purpose: a tile is sent again
whenever one of its values changes, and only then. The ticket at the counter (`serving-N`,
it changes at every call and finish) and how many wait (`wait-N`, at every ticket issued,
for every window of that service) are parts of their own, laid over the tile's cell."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.kiosk.hours import Hours
from hall.kiosk.labels import Labeller
from hall.kiosk.page import Part
from hall.kiosk.tiles import status_key
from hall.kiosk.times import epoch_ms, minutes_between, parse_at

WALL_TILE = "partials/wall_tile.html"
WAIT_TEMPLATE = "partials/wall_wait.html"
SERVING_TEMPLATE = "partials/wall_serving.html"


@dataclass(frozen=True, slots=True)
class WallTile:
    id: str  # "window-3", as on every page that shows the window
    number: int
    name: str  # 党政办 / Party Office (the hall file's, in the page's language)
    services: str  # 党群服务 / Party and community; "" when the board has no room for it
    status: str  # closed | unstaffed | staffed | away | uncovered | covered | extended
    css: str  # "st-away", "st-extended ss-uncovered"
    word: str  # 在岗 / Staffed: the band's short word
    detail: str  # 14:30 开放, 无人办理, or an away reason (with public_detail)
    minutes: int | None  # minutes away (public_detail only), kept ticking by the page
    since_ms: int | None
    minutes_unit: str
    flashing: bool  # nobody serves where someone must: uncovered, or stranded residents
    clerk: str  # who serves (or has only stepped away); "" for nobody


def wall_tile(
    hall: HallConfig,
    window: Mapping[str, Any],
    hours: Hours,
    labels: Labeller,
    now: datetime,
    *,
    services: bool = True,
) -> WallTile:
    """`services`: whether the tile lists its services (a board of one row has room)."""
    number = int(window["number"])
    config = hall.window(number)
    status = str(window["status"])
    serves = str(window.get("serving_status") or ("staffed" if status == "extended" else status))
    a: Mapping[str, Any] = window.get("a") or {}
    b: Mapping[str, Any] = window.get("b") or {}
    waiting = int(window.get("waiting") or 0)
    serving = window.get("serving")
    nobody = serves in ("uncovered", "unstaffed")
    detail = ""
    minutes = since_ms = None
    if serves in ("away", "uncovered") and a.get("state") == "away":
        # The public state has the reason and `since` only with `public_detail`.
        reason = a.get("reason")
        detail = labels(f"reason.{reason}") if reason else ""
        if a.get("since"):
            since = parse_at(a.get("since"))
            minutes, since_ms = minutes_between(since, now), epoch_ms(since)
    if status == "extended" and serves != "staffed":
        detail = labels(f"serving.{serves}")
    elif status == "closed" and hours.next_open:
        detail = labels("tile.opens_at", time=hours.next_open)
    clerk = ""
    if serves == "covered":
        clerk = str(b.get("name", ""))
    elif status != "closed" and serves in ("staffed", "away"):
        clerk = str(a.get("name", ""))
    stranded = status == "extended" and nobody and (waiting > 0 or isinstance(serving, Mapping))
    return WallTile(
        id=f"window-{number}",
        number=number,
        name=config.label(labels.lang) if config else str(window.get("name", "")),
        services=labels("list.sep").join(_services(hall, window.get("services") or [], labels))
        if services
        else "",
        status=status,
        css=f"st-{status} ss-{serves}" if status == "extended" else f"st-{status}",
        word=labels("wall." + status_key(status, hours, bool(window.get("arrived")))),
        detail=detail,
        minutes=minutes,
        since_ms=since_ms,
        minutes_unit=labels("unit.minutes"),
        flashing=status == "uncovered" or stranded,
        clerk=clerk,
    )


def wall_tile_part(tile: WallTile) -> Part:
    return Part(tile.id, WALL_TILE, {"tile": tile})


def serving_part(window: Mapping[str, Any]) -> Part:
    """`serving-3`: the ticket at window 3's counter (empty for none), in the tile's middle."""
    serving = window.get("serving")
    ticket = str(serving["number"]) if isinstance(serving, Mapping) else ""
    return Part(f"serving-{window['number']}", SERVING_TEMPLATE, {"ticket": ticket})


def waiting_part(window: Mapping[str, Any], labels: Labeller) -> Part:
    """`wait-3`: 等候 3 人 / 3 waiting, under the window's tile."""
    count = int(window.get("waiting") or 0)
    text = labels("tile.waiting", count=count)
    return Part(f"wait-{window['number']}", WAIT_TEMPLATE, {"text": text})


def _services(hall: HallConfig, codes: list[Any], labels: Labeller) -> list[str]:
    names = []
    for code in codes:
        service = hall.service(str(code))
        names.append(service.label(labels.lang) if service else str(code))
    return names
