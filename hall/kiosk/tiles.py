"""A window as a tile: its status in words and colour, who is on duty, what it serves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.kiosk.hours import Hours
from hall.kiosk.labels import Labeller, Text
from hall.kiosk.page import Part
from hall.kiosk.times import epoch_ms, minutes_between, parse_at

TILE_TEMPLATE = "partials/window_tile.html"


@dataclass(frozen=True, slots=True)
class Tile:
    id: str  # "window-3": the fragment id on every page that shows it
    number: int
    name: str  # the department
    services: str  # "党群服务"
    status: str  # closed | unstaffed | staffed | away | uncovered | covered | extended
    serving_status: str  # who serves (extended service too): staffed | covered | away | ...
    css: str  # "st-away", "st-extended ss-uncovered"
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
    serves = str(window.get("serving_status") or ("staffed" if status == "extended" else status))
    a: Mapping[str, Any] = window.get("a") or {}
    b: Mapping[str, Any] = window.get("b") or {}
    detail: Text | None = None
    note: Text | None = None
    minutes = since_ms = None
    clerk_post: Text | None = None
    clerk = ""
    waiting = int(window.get("waiting") or 0)
    serving = window.get("serving")
    nobody = serves in ("uncovered", "unstaffed")
    if serves in ("away", "uncovered") and a.get("state") == "away":
        reason = a.get("reason")  # on the wall only with `public_detail`
        detail = labels.text(f"reason.{reason}") if reason else None
        since = parse_at(a.get("since"))
        minutes, since_ms = minutes_between(since, now), epoch_ms(since)
    # Who serves (or has only stepped away): nobody's name on an empty window.
    if serves == "covered":
        clerk_post, clerk = labels.text("post.B"), str(b.get("name", ""))
    elif status != "closed" and serves in ("staffed", "away"):
        clerk_post, clerk = labels.text("post.A"), str(a.get("name", ""))
    if status == "uncovered" or (status == "extended" and nobody):
        note = labels.text("tile.cover_needed")
    if status == "extended" and serves != "staffed":
        detail = labels.text(f"serving.{serves}")
    elif status == "closed" and hours.next_open:
        detail = labels.text("tile.opens_at", time=hours.next_open)
    stranded = status == "extended" and nobody and (waiting > 0 or isinstance(serving, Mapping))
    return Tile(
        id=f"window-{number}",
        number=number,
        name=_window_name(hall, number, window, labels.lang),
        services=labels("list.sep").join(
            _service_names(hall, window.get("services") or [], labels.lang)
        ),
        status=status,
        serving_status=serves,
        css=f"st-{status} ss-{serves}" if status == "extended" else f"st-{status}",
        label=labels.text(status_key(status, hours, bool(window.get("arrived")))),
        detail=detail,
        minutes=minutes,
        since_ms=since_ms,
        minutes_unit=labels.text("unit.minutes"),
        note=note,
        flashing=status == "uncovered" or stranded,
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


def status_key(status: str, hours: Hours, arrived: bool) -> str:
    """未开放 / 午休 / 已下班 / 今日休息 for a closed window; 未到岗 (not arrived this
    session) vs 已离岗 (arrived, then went off) for an unstaffed one."""
    if status == "closed":
        return {
            "before": "status.closed_before",
            "between": "status.closed_break",
            "day_off": "status.closed_off",
        }.get(hours.phase, "status.closed_day")
    if status == "unstaffed" and arrived:
        return "status.left"
    return f"status.{status}"


def _window_name(hall: HallConfig, number: int, window: Mapping[str, Any], lang: str) -> str:
    """In the page's language (the hall file's `name_en` on English pages)."""
    configured = hall.window(number)
    return configured.label(lang) if configured else str(window.get("name", ""))


def _service_names(hall: HallConfig, codes: list[Any], lang: str) -> list[str]:
    names = []
    for code in codes:
        service = hall.service(str(code))
        names.append(service.label(lang) if service else str(code))
    return names
