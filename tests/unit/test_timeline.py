"""The day's timeline (hall/records/timeline.py) on days the core itself produces (the `Day`
driver): status bands per window, residents and waits by hour, occupancy. One row per
case; times are the test hall's (08:00-12:00, 14:30-17:30; cover after 10 minutes)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hall.core import initial_state
from hall.records.timeline import DayTimeline, day_timeline
from hall.staffing.status import window_status

from .day import HALL, MONDAY, Day, at


def fold(d: Day, until: str | None = None) -> DayTimeline:
    timeline, _ = day_timeline(
        HALL, MONDAY, initial_state(HALL), d.log, at(until) if until else None
    )
    return timeline


def band(timeline: DayTimeline, window: int) -> list[tuple[str, str, str]]:
    (found,) = [b for b in timeline.bands if b.window == window]
    return [
        (i.status, i.start.astimezone(HALL.tz).strftime("%H:%M:%S"), _end(timeline, i.end))
        for i in found.intervals
    ]


def _end(timeline: DayTimeline, end: Any) -> str:
    return "24:00:00" if end == timeline.end and end.date() != MONDAY else end.strftime("%H:%M:%S")


def present(d: Day, when: str, window: int = 1) -> None:
    d.do(when, f"a{window}", "presence.set", window=window, post="A", state="present")


def away(d: Day, when: str, window: int = 1) -> None:
    d.do(when, f"a{window}", "presence.set", window=window, post="A", state="away", reason="break")


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # On time, a short break, back: staffed around a few minutes away.
        (
            [(present, "07:59"), (away, "09:00"), (present, "09:05")],
            [
                ("closed", "00:00:00", "08:00:00"),
                ("staffed", "08:00:00", "09:00:00"),
                ("away", "09:00:00", "09:05:00"),
                ("staffed", "09:05:00", "12:00:00"),
                ("closed", "12:00:00", "12:30:00"),
            ],
        ),
        # Away past cover_after, nobody covers: uncovered from the deadline until back.
        (
            [(present, "07:59"), (away, "09:00"), (present, "09:25")],
            [
                ("closed", "00:00:00", "08:00:00"),
                ("staffed", "08:00:00", "09:00:00"),
                ("away", "09:00:00", "09:10:00"),
                ("uncovered", "09:10:00", "09:25:00"),
                ("staffed", "09:25:00", "12:00:00"),
                ("closed", "12:00:00", "12:30:00"),
            ],
        ),
        # The B-post covers at 09:04 until the A-post is back.
        (
            [
                (present, "07:59"),
                (away, "09:00"),
                (lambda d, t: d.do(t, "b1", "cover.start", window=1), "09:04"),
                (present, "09:30"),
            ],
            [
                ("closed", "00:00:00", "08:00:00"),
                ("staffed", "08:00:00", "09:00:00"),
                ("away", "09:00:00", "09:04:00"),
                ("covered", "09:04:00", "09:30:00"),
                ("staffed", "09:30:00", "12:00:00"),
                ("closed", "12:00:00", "12:30:00"),
            ],
        ),
        # Not arrived at the opening: unstaffed, uncovered past cover_after, then staffed.
        (
            [(present, "08:20")],
            [
                ("closed", "00:00:00", "08:00:00"),
                ("unstaffed", "08:00:00", "08:10:00"),
                ("uncovered", "08:10:00", "08:20:00"),
                ("staffed", "08:20:00", "12:00:00"),
                ("closed", "12:00:00", "12:30:00"),
            ],
        ),
        # A resident still waiting at closing: extended until served, then closed.
        (
            [
                (present, "07:59"),
                (lambda d, t: d.do(t, "kiosk", "ticket.issue", service="A"), "11:50"),
                (lambda d, t: d.do(t, "a1", "ticket.call", window=1), "12:05"),
                (lambda d, t: d.do(t, "a1", "ticket.finish", window=1), "12:12"),
            ],
            [
                ("closed", "00:00:00", "08:00:00"),
                ("staffed", "08:00:00", "12:00:00"),
                ("extended", "12:00:00", "12:12:00"),
                ("closed", "12:12:00", "12:30:00"),
            ],
        ),
    ],
)
def test_status_bands(steps: list[tuple[Any, str]], expected: list[tuple[str, str, str]]) -> None:
    d = Day()
    for step, when in steps:
        step(d, when)
    d.tick("12:30")
    timeline = fold(d, "12:30")
    assert band(timeline, 1) == expected
    # The bands end where the core's own status is at the end: no second definition.
    for n in (1, 2, 3):
        assert band(timeline, n)[-1][0] == window_status(d.window(n))


def test_bands_cover_the_day_without_gaps_and_the_next_state_is_the_core_s() -> None:
    d = Day()
    present(d, "07:59")
    away(d, "15:00")
    d.tick("23:59:59")
    timeline, state = day_timeline(HALL, MONDAY, initial_state(HALL), d.log)
    assert timeline.start == at("00:00")
    assert timeline.end == at("00:00", date(2026, 12, 1))
    for b in timeline.bands:
        assert b.intervals[0].start == timeline.start
        assert b.intervals[-1].end == timeline.end
        for before, after in zip(b.intervals, b.intervals[1:], strict=False):
            assert before.end == after.start and before.status != after.status
    assert state == d.state
    # Window 1: the afternoon's A-post never came back (sessions reset presence).
    assert [i.status for i in timeline.bands[0].intervals] == [
        "closed",
        "staffed",
        "closed",
        "unstaffed",
        "uncovered",
        "closed",
    ]


def test_an_event_after_until_is_not_folded() -> None:
    d = Day()
    present(d, "07:59")
    away(d, "09:00")
    timeline, state = day_timeline(HALL, MONDAY, initial_state(HALL), d.log, at("08:30"))
    assert band(timeline, 1)[-1] == ("staffed", "08:00:00", "08:30:00")
    assert state.window(1).a.state == "present"  # type: ignore[union-attr]


def test_residents_and_waits_by_hour() -> None:
    d = Day()
    for n in (1, 2, 3):
        present(d, "07:59", n)
    issue = lambda when: d.do(when, "kiosk", "ticket.issue", service="A")  # noqa: E731
    issue("08:05")  # A001
    issue("08:10")  # A002
    d.do("08:20", "a1", "ticket.call", window=1)  # A001 waited 15 min
    d.do("08:30", "a1", "ticket.finish", window=1)
    issue("08:40")  # A003
    d.do("08:50", "a1", "ticket.call", window=1)  # A002 waited 40 min
    d.do("08:52", "a1", "ticket.recall", window=1)  # a recall is no new wait
    d.do("08:55", "a1", "ticket.transfer", window=1, to_window=2)  # back in the line
    d.do("09:00", "a2", "ticket.call", window=2)  # A002 again, at window 2: no new wait
    issue("09:05")  # A004
    issue("09:06")  # A005
    d.do("09:10", "a1", "ticket.call", window=1)  # A003 waited 30 min
    hours = {h.hour: h for h in fold(d, "10:30").hours}
    assert len(hours) == 24
    assert [hours[h].issued for h in (7, 8, 9, 10)] == [0, 3, 2, 0]
    # Waits count by the hour the resident came, to their first call.
    assert (hours[8].called, hours[8].wait_p50, hours[8].wait_max) == (3, 30.0, 40.0)
    assert (hours[9].called, hours[9].wait_p50, hours[9].wait_max) == (0, None, None)
    # The most waiting at once: 2 at 08:10, 08:40 and after the transfer at 08:55; hour 9
    # starts with those 2 and reaches 3 at 09:06; hour 10 starts with 2; 11 has not come.
    assert [hours[h].waiting for h in (7, 8, 9, 10, 11)] == [0, 2, 3, 2, 0]


def test_occupancy_counts_open_and_served_minutes() -> None:
    d = Day()
    present(d, "07:59")
    away(d, "09:00")
    d.do("09:04", "b1", "cover.start", window=1)
    present(d, "09:30")
    d.tick("12:30")
    occupancy = {o.window: o for o in fold(d, "12:30").occupancy}
    # Window 1: open 08:00-12:00 (240 min), served all but 09:00-09:04 (236).
    assert (occupancy[1].open_minutes, occupancy[1].staffed_minutes) == (240.0, 236.0)
    # Window 2: open all morning, nobody came.
    assert (occupancy[2].open_minutes, occupancy[2].staffed_minutes) == (240.0, 0.0)


def test_an_empty_day_is_closed_all_day() -> None:
    saturday = date(2026, 12, 5)
    start = initial_state(HALL)
    timeline, state = day_timeline(HALL, saturday, start, [])
    assert state is start
    assert all([i.status for i in b.intervals] == ["closed"] for b in timeline.bands)
    assert all(o.open_minutes == 0 for o in timeline.occupancy)
    assert sum(h.issued for h in timeline.hours) == 0
