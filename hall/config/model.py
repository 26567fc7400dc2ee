"""The frozen types of a hall: what the rest of hall uses, built by `hall.config.loading`."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

Role = Literal["clerk", "director"]
Holidays = Literal["cn", "none"]
RATING_WITHIN_MAX = timedelta(hours=1)  # the core keeps finished tickets rateable this long


class Session(msgspec.Struct, frozen=True):
    start: time
    end: time


class Season(msgspec.Struct, frozen=True):
    name: str
    sessions: tuple[Session, ...]
    start: tuple[int, int] | None = None  # (month, day) of "from", inclusive
    until: tuple[int, int] | None = None  # (month, day) of "until", inclusive

    def covers(self, day: date) -> bool:
        """Whether `day` falls in this season's from..until range (never for the fallback)."""
        if self.start is None or self.until is None:
            return False
        return _in_range((day.month, day.day), self.start, self.until)


class Rules(msgspec.Struct, frozen=True):
    cover_after: timedelta = timedelta(minutes=10)
    escalate_after: timedelta = timedelta(minutes=2)
    arrival_grace: timedelta = timedelta(0)
    issue_cutoff: timedelta = timedelta(0)
    wait_sla: timedelta = timedelta(minutes=30)
    recall_limit: int = 3
    rating_within: timedelta = timedelta(minutes=10)


class Service(msgspec.Struct, frozen=True):
    code: str
    name: str


class Window(msgspec.Struct, frozen=True):
    number: int
    name: str
    services: tuple[str, ...]
    a: str
    b: str


class Staff(msgspec.Struct, frozen=True):
    id: str
    name: str
    title: str = ""
    role: Role = "clerk"


class HallConfig(msgspec.Struct, frozen=True):
    id: str
    name: str
    timezone: str
    tz: ZoneInfo
    days: frozenset[int]  # weekday numbers, Monday = 0
    closed_dates: frozenset[date]
    rules: Rules
    seasons: tuple[Season, ...]
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    staff: tuple[Staff, ...]
    source: str = ""  # the file it came from, for messages
    open_dates: frozenset[date] = frozenset()
    holidays: Holidays = "none"  # "cn": China's public holidays and make-up working days
    public_detail: bool = False  # away reasons and minutes on public screens

    def window(self, number: int) -> Window | None:
        for w in self.windows:
            if w.number == number:
                return w
        return None

    def service(self, code: str) -> Service | None:
        for s in self.services:
            if s.code == code:
                return s
        return None

    def person(self, staff_id: str) -> Staff | None:
        for s in self.staff:
            if s.id == staff_id:
                return s
        return None


class ConfigError(Exception):
    """A hall file that cannot be used; the message names the file, the field and the problem."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.field = field
        self.problem = problem


def _in_range(month_day: tuple[int, int], start: tuple[int, int], until: tuple[int, int]) -> bool:
    if start <= until:
        return start <= month_day <= until
    return month_day >= start or month_day <= until  # wraps the new year, e.g. 11-01..02-28
