"""A driver that runs one test hall's day through the core, as the hub does."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from hall.config import HallConfig
from hall.core import Actor, State, Tick, execute, initial_state
from hall.core.commands import Command
from tests.support.halls import make_hall

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)


HALL = make_hall()


def at(hhmmss: str, day: date = MONDAY) -> datetime:
    parts = [int(p) for p in hhmmss.split(":")]
    return datetime.combine(day, time(*parts), tzinfo=TZ)


def actor(who: str) -> Actor:
    """admin, system, kiosk, display, integration; boss (the director); padN (window N's
    rating pad); resident:A001 (the holder of ticket A001's key); else a clerk's id."""
    if who in ("admin", "system", "kiosk", "display", "integration"):
        return Actor(who)  # type: ignore[arg-type]
    if who == "boss":
        return Actor("director", staff="boss")
    if who.startswith("pad"):
        return Actor("rating", window=int(who[3:]))
    if who.startswith("resident:"):
        return Actor("resident", ticket=who.partition(":")[2])
    return Actor("clerk", staff=who)


def cmd(type_: str, **fields: Any) -> Command:
    from hall.core.commands import COMMAND_TYPES

    return msgspec.convert({"type": type_, **fields}, COMMAND_TYPES[type_])  # type: ignore[no-any-return]


def plain(event: Any) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(event)
    return out


class Day:
    """Drives one hall through a day: every step goes through `execute`, like the hub."""

    def __init__(self, hall: HallConfig = HALL, start: str = "07:00", day: date = MONDAY):
        self.hall = hall
        self.day = day
        self.state: State = initial_state(hall)
        self.log: list[Any] = []
        self.tick(start)

    def now(self, hhmmss: str) -> datetime:
        return at(hhmmss, self.day)

    def run(self, command: Command | Tick, who: str, when: str | datetime) -> list[Any]:
        now = when if isinstance(when, datetime) else self.now(when)
        self.state, events = execute(self.hall, self.state, command, actor(who), now)
        self.log.extend(events)
        return events

    def tick(self, when: str | datetime) -> list[Any]:
        return self.run(Tick(), "system", when)

    def do(self, when: str, who: str, type_: str, **fields: Any) -> list[Any]:
        return self.run(cmd(type_, **fields), who, when)

    def window(self, n: int) -> Any:
        return self.state.window(n)

    def after(self, minutes: float) -> datetime:
        return self.now("08:00") + timedelta(minutes=minutes)

    def types(self, since: int = 0) -> list[str]:
        """The types of the log's events from position `since`."""
        return [plain(e)["type"] for e in self.log[since:]]

    def of(self, kind: str, window: int | None = None) -> list[dict[str, Any]]:
        """The logged events of one type (of one window), as JSON-like dicts."""
        return [
            plain(e)
            for e in self.log
            if plain(e)["type"] == kind and (window is None or getattr(e, "window", 0) == window)
        ]
