"""The tablet's transfer picker: every other window with its staffing and its queue, live.

A transfer to a closed window is refused to everyone (`window_closed`); to a window nobody
staffs (`serving_status` unstaffed or uncovered) to all but the director
(`target_unstaffed`): the fragment marks those, and the page disables them for clerks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hall.config import HallConfig
from hall.kiosk.hours import Hours
from hall.kiosk.labels import Labeller
from hall.kiosk.page import Part
from hall.kiosk.tiles import window_tile

TARGETS_ID = "transfer-targets"
NOBODY = ("unstaffed", "uncovered")


@dataclass(frozen=True, slots=True)
class Target:
    value: str  # the window number, as the picker returns it
    label: str  # 2 号窗口 · 社会事务
    status: str  # the tile's status word: 在岗, 暂离, 未到岗 …
    css: str  # st-staffed …
    waiting: str  # 等候 3 人
    closed: bool  # refused to everyone
    director_only: bool  # nobody staffs it: only the director may transfer there
    note: str  # why it is refused, "" when it is not


def transfer_targets(
    hall: HallConfig,
    state: Mapping[str, Any],
    window: int,
    hours: Hours,
    labels: Labeller,
    now: datetime,
) -> tuple[Target, ...]:
    out = []
    for w in state.get("windows", []):
        number = int(w["number"])
        cfg = hall.window(number)
        if number == window or cfg is None:
            continue
        tile = window_tile(hall, w, hours, labels, now)
        closed = tile.status == "closed"
        nobody = not closed and tile.serving_status in NOBODY
        note = labels("transfer.closed") if closed else ""
        note = labels("transfer.director_only") if nobody else note
        out.append(
            Target(
                value=str(number),
                label=f"{labels('window.label', number=number)} · {cfg.label(labels.lang)}",
                status=tile.label.main,
                css=tile.css,
                waiting=labels("transfer.waiting", count=tile.waiting),
                closed=closed,
                director_only=nobody,
                note=note,
            )
        )
    return tuple(out)


def targets_part(targets: tuple[Target, ...]) -> Part:
    return Part(TARGETS_ID, "partials/transfer_targets.html", {"targets": targets})
