"""The hall's windows that need their B-post now, for every staff page: each page shows only
the entries of the person holding it (the fragment is the same for everyone, rendered once;
the page script matches `data-staff` with the viewer), with a live countdown and a button."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hall.config import HallConfig
from hall.kiosk.labels import Labeller
from hall.kiosk.page import Part
from hall.kiosk.times import epoch_ms, hhmm, parse_at

NEEDS_ID = "cover-needs"


@dataclass(frozen=True, slots=True)
class CoverNeed:
    window: int
    staff: str  # the B-post's id (matched with the viewer by the page script)
    text: str  # 1 号窗口A岗 陈少丽 暂离：请您顶岗
    deadline: str  # 10:42
    deadline_ms: int
    requested: bool  # the deadline passed: the window is uncovered
    button: str  # 开始顶岗


def cover_needs(
    hall: HallConfig, state: Mapping[str, Any], labels: Labeller
) -> tuple[CoverNeed, ...]:
    out: list[CoverNeed] = []
    for w in state.get("windows", []):
        cover: Mapping[str, Any] = w.get("cover") or {}
        if not cover.get("needed"):
            continue
        deadline = parse_at(cover.get("deadline"))
        a: Mapping[str, Any] = w.get("a") or {}
        b: Mapping[str, Any] = w.get("b") or {}
        key = "needs.away" if a.get("state") == "away" else "needs.off"
        out.append(
            CoverNeed(
                window=int(w["number"]),
                staff=str(b.get("staff", "")),
                text=labels(key, window=w["number"], name=a.get("name", "")),
                deadline=hhmm(hall, deadline),
                deadline_ms=epoch_ms(deadline) or 0,
                requested=bool(cover.get("requested")),
                button=labels("btn.cover_start"),
            )
        )
    return tuple(out)


def needs_part(needs: tuple[CoverNeed, ...]) -> Part:
    return Part(NEEDS_ID, "partials/cover_needs.html", {"needs": needs})
