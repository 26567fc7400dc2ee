"""A day as pictures read it: per window, the intervals of its statuses; per hour, the
residents who came, how many waited at most and how long they waited; per window, the
minutes it was open and the minutes someone served it (occupancy).

A pure fold over one day's events from the state at the start of the day: each event goes
through the core's own `evolve`, and a window's status is the core's own `window_status`
(`serving_status` for who serves): nothing here defines a status a second time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import msgspec

from hall.config import HallConfig
from hall.core import events as ev
from hall.core import evolve
from hall.core.model import State, WindowState, WindowStatus
from hall.schedule import day_start
from hall.staffing.status import serving_status, window_status

HOURS = 24
_ONE_DAY = timedelta(days=1)
_TICKET_EVENTS = (
    ev.TicketIssued,
    ev.TicketCalled,
    ev.TicketRecalled,
    ev.TicketFinished,
    ev.TicketNoShow,
    ev.TicketTransferred,
    ev.TicketClosed,
    ev.DayStarted,
)


class Interval(msgspec.Struct, frozen=True):
    """A window's status from `start` (inclusive) to `end` (exclusive)."""

    status: WindowStatus
    start: datetime
    end: datetime


class Band(msgspec.Struct, frozen=True):
    window: int
    intervals: tuple[Interval, ...]


class Hour(msgspec.Struct, frozen=True):
    """One hour of the day (the hall's local hour, 0..23)."""

    hour: int
    issued: int  # tickets issued in this hour
    waiting: int  # the most residents waiting at once during this hour
    called: int  # of the residents who came in this hour, how many were called
    wait_p50: float | None  # their waits to the first call, in minutes (median, nearest rank)
    wait_max: float | None


class Occupancy(msgspec.Struct, frozen=True):
    """Minutes a window was open (any status but closed) and minutes someone served it (its
    A-post present or its B-post covering, extended service included)."""

    window: int
    open_minutes: float
    staffed_minutes: float


class DayTimeline(msgspec.Struct, frozen=True):
    day: date
    start: datetime  # the day's first instant in the hall
    end: datetime  # where the fold stopped: the next day's start, or `until`
    bands: tuple[Band, ...]
    hours: tuple[Hour, ...]  # 24, by hour
    occupancy: tuple[Occupancy, ...]


def day_timeline(
    hall: HallConfig,
    day: date,
    state: State,
    events: Iterable[ev.Event],
    until: datetime | None = None,
) -> tuple[DayTimeline, State]:
    """Fold `events` (the day's, in log order) from `state` (the state at the day's start);
    stop at `until` (e.g. now, for today) or at the day's end. Returns the timeline and the
    state reached (at the day's end: the next day's starting state)."""
    start = day_start(hall, day)
    end = day_start(hall, day + _ONE_DAY)
    if until is not None:
        end = max(start, min(end, until))
    fold = _Fold(hall, state, start)
    for event in events:
        if event.at >= end:
            break
        fold.apply(event)
    return fold.finish(day, end), fold.state


class _Fold:
    """The running fold: the state, each window's current interval, the hour figures."""

    def __init__(self, hall: HallConfig, state: State, start: datetime) -> None:
        self.hall = hall
        self.state = state
        self.start = start
        numbers = [w.number for w in hall.windows]
        self.numbers = numbers
        shown = {n: _shown(state.window(n)) for n in numbers}
        self.current: dict[int, tuple[WindowStatus, bool]] = shown
        self.since: dict[int, datetime] = {n: start for n in numbers}
        self.done: dict[int, list[Interval]] = {n: [] for n in numbers}
        self.open_s: dict[int, float] = dict.fromkeys(numbers, 0.0)
        self.staffed_s: dict[int, float] = dict.fromkeys(numbers, 0.0)
        self.issued = [0] * HOURS
        self.peak = [0] * HOURS
        self.waits: list[list[float]] = [[] for _ in range(HOURS)]
        self.called: set[str] = set()
        self.waiting = _waiting(state)
        self.hour = self._hour(start)
        self.peak[self.hour] = self.waiting

    def _hour(self, moment: datetime) -> int:
        return moment.astimezone(self.hall.tz).hour

    def apply(self, event: ev.Event) -> None:
        at = max(event.at, self.start)
        self._to_hour(self._hour(at))
        if isinstance(event, ev.TicketIssued):
            self.issued[self._hour(event.ticket.issued_at)] += 1
        elif isinstance(event, ev.TicketCalled) and event.ticket.number not in self.called:
            self.called.add(event.ticket.number)
            issued = event.ticket.issued_at
            if issued >= self.start:
                waited = (event.at - issued).total_seconds() / 60
                self.waits[self._hour(issued)].append(max(0.0, waited))
        self.state = evolve(self.state, event)
        if isinstance(event, _TICKET_EVENTS):
            self.waiting = _waiting(self.state)
            self.peak[self.hour] = max(self.peak[self.hour], self.waiting)
        for n in self.numbers:
            shown = _shown(self.state.window(n))
            if shown != self.current[n]:
                self._close(n, at)
                self.current[n] = shown

    def _to_hour(self, hour: int) -> None:
        """Hours passed without an event start with the residents still waiting."""
        while self.hour < hour:
            self.hour += 1
            self.peak[self.hour] = self.waiting

    def _close(self, n: int, at: datetime) -> None:
        status, staffed = self.current[n]
        began = self.since[n]
        if at <= began:
            return  # an instant: the next status starts at the same moment
        seconds = (at - began).total_seconds()
        if status != "closed":
            self.open_s[n] += seconds
            if staffed:
                self.staffed_s[n] += seconds
        intervals = self.done[n]
        if intervals and intervals[-1].status == status:
            intervals[-1] = Interval(status, intervals[-1].start, at)
        else:
            intervals.append(Interval(status, began, at))
        self.since[n] = at

    def finish(self, day: date, end: datetime) -> DayTimeline:
        self._to_hour(self._hour(end - timedelta(microseconds=1)) if end > self.start else 0)
        for n in self.numbers:
            self._close(n, end)
        hours = tuple(
            Hour(
                hour=h,
                issued=self.issued[h],
                waiting=self.peak[h],
                called=len(self.waits[h]),
                wait_p50=_rounded(_median(self.waits[h])),
                wait_max=_rounded(max(self.waits[h]) if self.waits[h] else None),
            )
            for h in range(HOURS)
        )
        return DayTimeline(
            day=day,
            start=self.start,
            end=end,
            bands=tuple(Band(n, tuple(self.done[n])) for n in self.numbers),
            hours=hours,
            occupancy=tuple(
                Occupancy(n, round(self.open_s[n] / 60, 1), round(self.staffed_s[n] / 60, 1))
                for n in self.numbers
            ),
        )


def _shown(w: WindowState | None) -> tuple[WindowStatus, bool]:
    """A window's status, and whether someone serves it (A present or B covering)."""
    if w is None:  # a window the hall file added after this day
        return "closed", False
    status = window_status(w)
    return status, status != "closed" and serving_status(w) in ("staffed", "covered")


def _waiting(state: State) -> int:
    return sum(1 for t in state.tickets if t.status == "waiting")


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(len(ordered) / 2) - 1]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
