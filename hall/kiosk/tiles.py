"""A window as a tile: its status in words and colour, who is on duty, what it serves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.kiosk.common import Labeller, Part, Text, epoch_ms, minutes_between, parse_at
from hall.kiosk.hours import Hours

TILE_TEMPLATE = "partials/window_tile.html"


@dataclass(frozen=True, slots=True)
class Tile:
    id: str  # "window-3": the fragment id on every page that shows it
    number: int
    name: str  # the department
    services: str  # "党群服务"
    status: str  # closed | unstaffed | staffed | away | uncovered | covered | extended
    css: str  # "st-away"
    label: Text  # 暂离 / Away
    detail: Text | None  # away reason, or when a closed window opens
    minutes: int | None  # minutes away (refreshed by the page script from since_ms)
    since_ms: int | None
    minutes_unit: Text
    note: Text | None  # 请B岗顶岗 on an uncovered window
    flashing: bool
    clerk_post: Text | None  # A岗 / B岗 of the person shown
    clerk: str  # the clerk on duty (or away) at the window
    serving_label: Text
    serving: str  # ticket number being served, "" for none
    waiting: int
    waiting_label: Text


def window_tile(
    hall: HallConfig, window: Mapping[str, Any], hours: Hours, labels: Labeller, now: datetime
) -> Tile:
    number = int(window["number"])
    status = str(window["status"])
    a: Mapping[str, Any] = window.get("a") or {}
    b: Mapping[str, Any] = window.get("b") or {}
    detail: Text | None = None
    note: Text | None = None
    minutes = since_ms = None
    clerk_post: Text | None = None
    clerk = ""
    if status in ("away", "uncovered"):
        reason = a.get("reason")
        detail = labels.text(f"reason.{reason}") if reason else None
        since = parse_at(a.get("since"))
        minutes, since_ms = minutes_between(since, now), epoch_ms(since)
        clerk_post, clerk = labels.text("post.A"), str(a.get("name", ""))
        if status == "uncovered":
            note = labels.text("tile.cover_needed")
    elif status == "covered" or (status == "extended" and b.get("state") == "covering"):
        clerk_post, clerk = labels.text("post.B"), str(b.get("name", ""))
    elif status in ("staffed", "extended") and a.get("state") == "present":
        clerk_post, clerk = labels.text("post.A"), str(a.get("name", ""))
    elif status == "closed" and hours.next_open:
        detail = labels.text("tile.opens_at", time=hours.next_open)
    serving = window.get("serving")
    waiting = int(window.get("waiting") or 0)
    return Tile(
        id=f"window-{number}",
        number=number,
        name=str(window.get("name", "")),
        services=labels("list.sep").join(_service_names(hall, window.get("services") or [])),
        status=status,
        css=f"st-{status}",
        label=labels.text(_status_key(status, hours)),
        detail=detail,
        minutes=minutes,
        since_ms=since_ms,
        minutes_unit=labels.text("unit.minutes"),
        note=note,
        flashing=status == "uncovered",
        clerk_post=clerk_post,
        clerk=clerk,
        serving_label=labels.text("tile.serving"),
        serving=str(serving["number"]) if isinstance(serving, Mapping) else "",
        waiting=waiting,
        waiting_label=labels.text("tile.waiting", count=waiting),
    )


def tile_part(tile: Tile, size: str) -> Part:
    """`size`: wall | small (director's board) | tablet."""
    return Part(tile.id, TILE_TEMPLATE, {"tile": tile, "size": size})


def _status_key(status: str, hours: Hours) -> str:
    if status == "closed":
        return "status.closed_break" if hours.next_open else "status.closed_day"
    return f"status.{status}"


def _service_names(hall: HallConfig, codes: list[Any]) -> list[str]:
    names = []
    for code in codes:
        service = hall.service(str(code))
        names.append(service.name if service else str(code))
    return names
