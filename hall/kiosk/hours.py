"""Today's opening hours as the screens show them (the rules live in hall.schedule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hall.config import HallConfig
from hall.schedule import day_off_reason, hall_day, next_opening, sessions_on

DayPhase = Literal["before", "open", "between", "after", "day_off"]


@dataclass(frozen=True, slots=True)
class Hours:
    spans: tuple[str, ...]  # "08:00–12:00", "14:30–17:30"
    phase: DayPhase
    next_open: str | None  # "14:30" when a later session starts today
    session_start: datetime | None  # of the session in progress
    session_end: datetime | None
    day_off: str | None = None  # why today is not a working day: a holiday's name, "weekend"
    reopens: datetime | None = None  # the next session's start, today or a later day


def hours_today(hall: HallConfig, now: datetime) -> Hours:
    today = hall_day(hall, now)
    sessions = sessions_on(hall, today)
    spans = tuple(f"{s:%H:%M}–{e:%H:%M}" for s, e in sessions)
    reopens = next_opening(hall, now)
    if not sessions:
        return Hours(spans, "day_off", None, None, None, day_off_reason(hall, today), reopens)
    for start, end in sessions:
        if start <= now < end:
            return Hours(spans, "open", None, start, end, reopens=reopens)
    later = [start for start, _ in sessions if start > now]
    if not later:
        return Hours(spans, "after", None, None, None, reopens=reopens)
    phase: DayPhase = "before" if later[0] == sessions[0][0] else "between"
    return Hours(spans, phase, f"{later[0]:%H:%M}", None, None, reopens=reopens)
