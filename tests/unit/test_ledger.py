"""The ledger's folds (Art. 17) over real days: every event comes from the core through the
`Day` driver, as the hub appends them; one row per rule, as tests/unit/test_posts.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from msgspec.structs import replace

from hall.core.model import RecordStatus
from hall.records.leave import leave_spans
from hall.records.ledger import LEDGER_VERSION, fingerprint, fold_day
from hall.records.rows import ServiceDay, StaffDay
from hall.records.totals import percentile, service_totals, staff_totals, tenth
from tests.support.halls import make_hall

from .day import HALL, Day, plain
from .steps import (
    Step,
    away,
    cover,
    desk,
    ids_of,
    issue,
    leave,
    ledger,
    logged,
    play,
    present,
)

ON_TIME = [present("07:59"), present("14:29")]
LATE_ABSENCE = [present("07:59"), away("09:00"), present("09:20:30")]

# (what happens, whose row, the appeal statuses, the expected fields of their StaffDay)
STAFF_ROWS: list[tuple[str, list[Step], str, dict[str, RecordStatus], dict[str, Any]]] = [
    ("on time: two sessions due, nothing held", ON_TIME, "a1", {}, {"sessions_due": 2}),
    ("the B-post of an uneventful day has no row", ON_TIME, "b1", {}, {}),
    (
        "late by five minutes: a record",
        [present("08:05"), present("14:29")],
        "a1",
        {},
        {"sessions_due": 2, "late_arrivals": 1, "late_arrival_minutes": 5.0},
    ),
    (
        "late in both sessions",
        [present("08:05"), present("14:32:30")],
        "a1",
        {},
        {"late_arrivals": 2, "late_arrival_minutes": 7.5},
    ),
    (
        "a short absence is 离岗, not lateness",
        [present("07:59"), away("09:00"), present("09:05")],
        "a1",
        {},
        {"absences": 1, "absence_minutes": 5.0, "late_absences": 0},
    ),
    (
        "uncovered past cover_after: a late absence",
        LATE_ABSENCE,
        "a1",
        {},
        {"absences": 1, "absence_minutes": 20.5, "late_absences": 1, "late_absence_minutes": 20.5},
    ),
    (
        "covered in time: an absence, and the B-post's cover",
        [present("07:59"), away("09:00"), cover("09:05"), present("09:30")],
        "a1",
        {},
        {"absences": 1, "absence_minutes": 30.0, "late_absences": 0},
    ),
    (
        "the B-post's cover counts to the A-post's return",
        [present("07:59"), away("09:00"), cover("09:05"), present("09:30")],
        "b1",
        {},
        {"covers": 1, "cover_minutes": 25.0},
    ),
    (
        "covered late: still a late absence; the cover counts",
        [present("07:59"), away("09:00"), cover("09:11"), present("09:30")],
        "a1",
        {},
        {"late_absences": 1, "late_absence_minutes": 30.0, "absences": 1},
    ),
    (
        "a cover running at closing ends with the window",
        [present("07:59"), away("11:40"), cover("11:45")],
        "b1",
        {},
        {"covers": 1, "cover_minutes": 15.0},
    ),
    (
        "served: the ticket's call to its finish, and its rating",
        [
            present("07:59"),
            issue("08:10"),
            desk("08:12", "call"),
            desk("08:20:30", "finish"),
            ("08:21", "pad1", "rating.give", {"window": 1, "score": 5}),
        ],
        "a1",
        {},
        {"served": 1, "service_minutes": 8.5, "ratings": (0, 0, 0, 0, 1), "satisfaction": 100.0},
    ),
    (
        "满意率: fours and fives over all",
        [present("07:59")]
        + [
            s
            for n, score in enumerate((5, 4, 3, 1))
            for s in (
                issue(f"08:{10 + 5 * n}"),
                desk(f"08:{11 + 5 * n}", "call"),
                desk(f"08:{12 + 5 * n}", "finish"),
                (f"08:{13 + 5 * n}", "pad1", "rating.give", {"window": 1, "score": score}),
            )
        ],
        "a1",
        {},
        {"served": 4, "ratings": (1, 0, 1, 1, 1), "satisfaction": 50.0},
    ),
    (
        "leave while the hall is open (公出)",
        [leave("outing", "09:00", "10:00"), present("07:59")],
        "a1",
        {},
        {"leave_minutes": 60.0, "leave": {"outing": 60.0}},
    ),
    (
        "leave over lunch counts open hours only",
        [leave("leave", "11:00", "15:00"), present("07:59")],
        "a1",
        {},
        {"leave_minutes": 90.0, "leave": {"leave": 90.0}},
    ),
    (
        "extended service: the minutes served past closing",
        [present("07:59"), issue("11:58"), desk("12:04", "call"), desk("12:10", "finish")],
        "a1",
        {},
        {"extended_minutes": 10.0, "served": 1},
    ),
    (
        "a record under appeal is counted, and marked",
        [present("08:05")],
        "a1",
        {"R1": "appealed"},
        {"late_arrivals": 1, "late_arrival_minutes": 5.0},
    ),
    (
        "an appeal turned down: the record stands",
        [present("08:05")],
        "a1",
        {"R1": "upheld"},
        {"late_arrivals": 1},
    ),
    (
        "a voided late arrival leaves every total",
        [present("08:05")],
        "a1",
        {"R1": "voided"},
        {"late_arrivals": 0, "late_arrival_minutes": 0.0, "sessions_due": 2},
    ),
    (
        "a voided late absence is neither late nor an absence",
        LATE_ABSENCE,
        "a1",
        {"R1": "voided"},
        {"absences": 0, "absence_minutes": 0.0, "late_absences": 0, "late_absence_minutes": 0.0},
    ),
    (
        "voiding one record leaves the others",
        [present("08:05"), away("09:00"), present("09:20:30")],
        "a1",
        {"R1": "voided"},
        {"late_arrivals": 0, "late_absences": 1, "late_absence_minutes": 20.5, "absences": 1},
    ),
]


@pytest.mark.parametrize(
    ("steps", "staff", "statuses", "expected"),
    [row[1:] for row in STAFF_ROWS],
    ids=[row[0] for row in STAFF_ROWS],
)
def test_staff_day(
    steps: list[Step], staff: str, statuses: dict[str, RecordStatus], expected: dict[str, Any]
) -> None:
    d = play(steps)
    row = ledger(d, statuses).staff.get(staff)
    if not expected:
        assert row is None
        return
    assert row is not None
    got = {key: getattr(row, key) for key in expected}
    assert got == expected


def test_records_carry_their_status_and_evidence() -> None:
    d = play([present("08:05"), away("09:00"), present("09:20:30")])
    row = ledger(d, {"R1": "voided", "R2": "appealed"}).staff["a1"]
    arrival, absence = row.records
    assert (arrival.record, arrival.kind, arrival.status, arrival.minutes) == (
        "R1",
        "arrival.late",
        "voided",
        5.0,
    )
    assert arrival.event == ids_of(d, "arrival.late")[0]
    assert (arrival.start, arrival.end) == (d.now("08:00"), d.now("08:05"))
    assert (absence.record, absence.kind, absence.status) == ("R2", "absence.recorded", "appealed")
    assert absence.event == ids_of(d, "absence.recorded")[0]
    assert (absence.start, absence.end) == (d.now("09:00"), d.now("09:20:30"))
    # The rule's steps at window 1 while a1 was away: told, requested, escalated.
    steps = ("cover.needed", "cover.requested", "cover.escalated")
    in_absence = [
        i
        for i, e in logged(d)
        if plain(e)["type"] in steps and e.window == 1 and d.now("09:00") <= e.at <= d.now("09:21")
    ]
    assert absence.evidence == tuple(in_absence) and len(in_absence) == 3
    # The opening's cover.needed (a1 not there yet at 08:00) is the arrival's evidence.
    assert arrival.evidence == (ids_of(d, "cover.needed", 1)[0],)
    assert (row.late_arrivals, row.late_absences) == (0, 1)


def test_the_a_post_named_by_the_days_events_owes_the_sessions() -> None:
    """A hall file changed later (window 1's A-post is now a3) does not move a day whose
    events name a1; a day with no word from the A-post falls back to the hall file."""
    d = play(ON_TIME)
    windows = tuple(replace(w, a="a3") if w.number == 1 else w for w in HALL.windows)
    hall = replace(HALL, windows=windows)
    events = logged(d)
    rows = fold_day(hall, d.day, events).staff
    assert rows["a1"].sessions_due == 2
    # Nobody at window 2 all day: its sessions are owed by the hall file's A-post.
    assert rows["a2"].sessions_due == 2
    quiet = Day()
    quiet.tick("18:00")
    assert fold_day(hall, quiet.day, logged(quiet)).staff["a3"].sessions_due == 4  # 1 and 3


def test_a_day_still_running_counts_up_to_now() -> None:
    d = Day()
    for step in [present("07:59"), away("09:00"), cover("09:05")]:
        d.do(step[0], step[1], step[2], **step[3])
    d.tick("09:20")
    row = ledger(d, until="09:20").staff["b1"]
    assert (row.covers, row.cover_minutes) == (1, 15.0)
    d2 = play([leave("training", "09:00", "11:00"), present("07:59")], end="09:30")
    assert ledger(d2, until="09:30").staff["a1"].leave == {"training": 30.0}


SERVICE_ROWS: list[tuple[str, list[Step], str, dict[str, Any]]] = [
    (
        "issued, called, served: waits and service times",
        [
            present("07:59"),
            issue("08:00"),
            issue("08:01"),
            desk("08:04", "call"),
            desk("08:10", "finish"),
            desk("08:11", "call"),
            desk("08:13", "finish"),
        ],
        "A",
        {
            "issued": 2,
            "served": 2,
            "waits": (240, 600),
            "service_times": (360, 120),
            "wait_p50": 4.0,
            "wait_max": 10.0,
            "service_p90": 6.0,
        },
    ),
    (
        "a no-show",
        [present("07:59"), issue("08:00"), desk("08:01", "call"), desk("08:05", "no_show")],
        "A",
        {"issued": 1, "served": 0, "no_shows": 1, "waits": (60,), "service_times": ()},
    ),
    (
        "a transfer: the wait is the first call's, the service time the last call's",
        [
            present("07:59"),
            present("07:59", 3),
            issue("08:00"),
            desk("08:02", "call"),
            desk("08:03", "transfer", to_window=3),
            desk("08:06", "call", 3),
            desk("08:09", "finish", 3),
        ],
        "A",
        {"transfers": 1, "served": 1, "waits": (120,), "service_times": (180,)},
    ),
    (
        "waiting past wait_sla: a breach",
        [present("07:59"), issue("08:00"), desk("08:31", "call"), desk("08:35", "finish")],
        "A",
        {"sla_breaches": 1, "waits": (1860,), "wait_p50": 31.0},
    ),
]


@pytest.mark.parametrize(
    ("steps", "service", "expected"),
    [row[1:] for row in SERVICE_ROWS],
    ids=[row[0] for row in SERVICE_ROWS],
)
def test_service_day(steps: list[Step], service: str, expected: dict[str, Any]) -> None:
    row = ledger(play(steps)).services[service]
    assert {key: getattr(row, key) for key in expected} == expected


def test_a_ticket_closed_with_its_window_counts_as_closed() -> None:
    d = Day()
    for step in [present("07:59"), issue("11:59", "A")]:
        d.do(step[0], step[1], step[2], **step[3])
    d.tick("12:00:30")  # window 1 (and 2, which also serves A) extended
    d.do("12:01", "boss", "window.close", window=1)
    d.do("12:02", "boss", "window.close", window=2)
    assert d.of("ticket.closed"), d.types()
    assert ledger(d).services["A"].closed == 1


def test_leave_spans_from_the_leave_events() -> None:
    d = play([leave("training", "09:00", "10:00"), present("07:59")], end="09:30")
    (span,) = leave_spans(logged(d))
    assert (span.staff, span.kind, span.start, span.end) == ("a1", "training", d.now("09:00"), None)
    d.tick("10:30")
    (span,) = leave_spans(logged(d))
    assert span.end == d.now("10:00")
    # Its registration not among the events: kind `other`.
    started = [(i, e) for i, e in logged(d) if plain(e)["type"] != "leave.registered"]
    assert leave_spans(started)[0].kind == "other"


def test_the_fingerprint_names_what_a_day_was_computed_from() -> None:
    base = fingerprint(HALL, {"R1": "standing"})
    assert fingerprint(HALL, {"R1": "standing"}) == base
    assert fingerprint(HALL, {"R1": "voided"}) != base
    assert fingerprint(HALL, {}) != base
    assert fingerprint(make_hall(b_posts={1: "b2"}), {"R1": "standing"}) == base  # not read
    other = make_hall(windows=4)
    assert fingerprint(other, {"R1": "standing"}) != base
    assert LEDGER_VERSION >= 1


def test_month_totals_sum_days_and_recompute_rates() -> None:
    day = Day().day
    days = [
        StaffDay(
            staff="a1", day=day, late_arrivals=1, late_arrival_minutes=5.1, ratings=(0, 0, 0, 1, 1)
        ),
        StaffDay(
            staff="a1",
            day=day + timedelta(days=1),
            late_arrival_minutes=0.0,
            absences=2,
            absence_minutes=3.05,
            ratings=(1, 0, 0, 0, 0),
            leave={"outing": 30.0},
            leave_minutes=30.0,
        ),
    ]
    total = staff_totals("a1", "A1", day, day + timedelta(days=30), days)
    assert (total.days, total.late_arrivals, total.late_arrival_minutes) == (2, 1, 5.1)
    assert (total.absences, total.absence_minutes) == (2, 3.1)  # half up
    assert total.ratings == (1, 0, 0, 1, 1)
    assert total.satisfaction == 66.7  # 2 of 3, not the mean of 100 % and 0 %
    assert total.leave == {"outing": 30.0} and total.leave_minutes == 30.0
    assert staff_totals("a2", "A2", day, day, []).satisfaction is None

    services = [
        ServiceDay(service="A", day=day, issued=3, served=2, waits=(60, 120), service_times=(300,)),
        ServiceDay(service="A", day=day, issued=1, served=1, waits=(1200,), service_times=(60,)),
    ]
    figures = service_totals("A", day, day, services)
    assert (figures.issued, figures.served, figures.called) == (4, 3, 3)
    assert (figures.wait_p50, figures.wait_max, figures.wait_mean) == (2.0, 20.0, 7.7)
    assert (figures.service_p50, figures.service_mean) == (1.0, 3.0)
    assert service_totals("B", day, day, []).wait_p50 is None


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [([5], 0.5, 5), ([1, 2], 0.5, 1), ([3, 1, 2], 0.5, 2), (list(range(1, 11)), 0.9, 9)],
)
def test_nearest_rank_percentiles(values: list[int], share: float, expected: int) -> None:
    assert percentile(values, share) == expected


def test_tenths_round_half_up() -> None:
    assert (tenth(2.25), tenth(2.35), tenth(0.05), tenth(20.5 + 0.1 + 0.2)) == (2.3, 2.4, 0.1, 20.8)
