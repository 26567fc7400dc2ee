"""The records' other pure parts over real days (the core through the `Day` driver): every
ticket of a day as one row (the tickets export), the appeals' trails, and the attendance
sheet's rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from hall.records.reports import month_days, sheet
from hall.records.rows import StaffDay
from hall.records.tickets import TicketRow, ticket_rows
from hall.records.trails import trails

from .day import HALL, Day, plain
from .steps import Step, desk, issue, logged, play, present


def rows(d: Day, over: bool = True) -> dict[str, TicketRow]:
    return {r.number: r for r in ticket_rows(d.day, logged(d), over=over)}


SERVED = [
    present("07:59"),
    issue("08:00"),
    desk("08:04", "call"),
    desk("08:10:30", "finish"),
    ("08:11", "pad1", "rating.give", {"window": 1, "score": 4}),
]
TRANSFERRED = [
    present("07:59"),
    present("07:59", 3),
    issue("08:00"),
    desk("08:02", "call"),
    desk("08:03", "transfer", to_window=3),
    desk("08:06", "call", 3),
    desk("08:09", "finish", 3),
]

# (what happens, the ticket, the expected fields of its row)
TICKET_ROWS: list[tuple[str, list[Step], str, dict[str, Any]]] = [
    (
        "served and rated",
        SERVED,
        "A001",
        {
            "service": "A",
            "priority": False,
            "outcome": "finished",
            "window": 1,
            "staff": "a1",
            "wait_minutes": 4.0,
            "service_minutes": 6.5,
            "rating": 4,
            "transfers": 0,
        },
    ),
    (
        "a no-show",
        [present("07:59"), issue("08:00"), desk("08:01", "call"), desk("08:05", "no_show")],
        "A001",
        {"outcome": "no_show", "window": 1, "staff": None, "wait_minutes": 1.0},
    ),
    (
        "transferred: the first call's wait, the last call's service, the last window",
        TRANSFERRED,
        "A001",
        {
            "outcome": "finished",
            "window": 3,
            "staff": "a3",
            "transfers": 1,
            "transferred_to": 3,
            "wait_minutes": 2.0,
            "service_minutes": 3.0,
        },
    ),
    (
        "never called by the day's end: expired",
        [issue("08:00")],
        "A001",
        {"outcome": "expired", "called": None, "wait_minutes": None, "window": None},
    ),
    (
        "a priority ticket",
        [present("07:59"), ("08:00", "kiosk", "ticket.issue", {"service": "B", "priority": True})],
        "B001",
        {"service": "B", "priority": True, "outcome": "expired"},
    ),
]


@pytest.mark.parametrize(
    ("steps", "number", "expected"),
    [row[1:] for row in TICKET_ROWS],
    ids=[row[0] for row in TICKET_ROWS],
)
def test_ticket_row(steps: list[Step], number: str, expected: dict[str, Any]) -> None:
    d = play(steps)
    row = rows(d)[number]
    assert {key: getattr(row, key) for key in expected} == expected
    assert row.day == d.day


def test_ticket_times_are_the_events() -> None:
    d = play(SERVED)
    row = rows(d)["A001"]
    assert (row.issued, row.called) == (d.now("08:00"), d.now("08:04"))


def test_a_day_still_running_shows_waiting_and_called_tickets() -> None:
    d = Day()
    for when, who, kind, fields in [
        present("07:59"),
        issue("08:00"),
        issue("08:01"),
        desk("08:02", "call"),
    ]:
        d.do(when, who, kind, **fields)
    running = rows(d, over=False)
    assert (running["A001"].outcome, running["A002"].outcome) == ("called", "waiting")
    ended = rows(d)
    assert (ended["A001"].outcome, ended["A002"].outcome) == ("expired", "expired")
    assert list(ended) == ["A001", "A002"]  # in issue order


def test_a_ticket_closed_with_its_window() -> None:
    d = Day()
    for when, who, kind, fields in [present("07:59"), issue("11:59")]:
        d.do(when, who, kind, **fields)
    d.tick("12:00:30")
    d.do("12:01", "boss", "window.close", window=1)
    d.do("12:02", "boss", "window.close", window=2)
    assert rows(d)["A001"].outcome == "closed"


def test_appeal_trails_from_the_appeal_events() -> None:
    d = play([present("08:05"), present("14:35")])  # R1 and R2: two late arrivals
    d.do("15:00", "a1", "appeal.file", record="R1", reason="车坏了")
    d.do("15:01", "a1", "appeal.file", record="R2", reason="开会")
    d.do("16:00", "boss", "appeal.decide", appeal="P1", upheld=False, reason="属实")
    first, second = trails(logged(d))
    assert (first.appeal, first.record, first.staff, first.day) == ("P1", "R1", "a1", d.day)
    assert (first.filed_at, first.filed_by, first.reason) == (d.now("15:00"), "a1", "车坏了")
    assert (first.decided_at, first.decided_by, first.decision) == (d.now("16:00"), "boss", "属实")
    assert (first.upheld, first.status) == (False, "voided")
    assert (second.record, second.status, second.decided_at) == ("R2", "appealed", None)
    # A decision without its filing among the events: nothing to attach it to.
    decided = [(i, e) for i, e in logged(d) if plain(e)["type"] == "appeal.decided"]
    assert trails(decided) == []
    d.do("16:01", "boss", "appeal.decide", appeal="P2", upheld=True, reason="无证明")
    assert trails(logged(d))[1].status == "upheld"


def test_the_sheet_lists_every_clerk_then_the_others() -> None:
    day = Day().day
    first, last = month_days(day)
    days = [
        StaffDay(staff="a2", day=day, served=3),
        StaffDay(staff="gone", day=day, late_arrivals=1, late_arrival_minutes=2.0),
        StaffDay(staff="a2", day=day + timedelta(days=1), served=2),
    ]
    rows = sheet(HALL, first, last, days)
    clerks = [p.id for p in HALL.staff if p.role == "clerk"]
    assert [r.staff for r in rows] == [*clerks, "gone"]  # the director has no row
    by = {r.staff: r for r in rows}
    assert (by["a2"].served, by["a2"].days, by["a2"].name) == (5, 2, "A2")
    assert (by["a1"].served, by["a1"].days) == (0, 0)
    assert (by["gone"].name, by["gone"].late_arrivals) == ("gone", 1)
    assert (by["a1"].first, by["a1"].last) == (first, last)


@pytest.mark.parametrize(
    ("month", "first", "last"),
    [
        ("2026-02-14", "2026-02-01", "2026-02-28"),
        ("2028-02-01", "2028-02-01", "2028-02-29"),
        ("2026-12-31", "2026-12-01", "2026-12-31"),
    ],
)
def test_month_days(month: str, first: str, last: str) -> None:
    got = month_days(date.fromisoformat(month))
    assert got == (date.fromisoformat(first), date.fromisoformat(last))
