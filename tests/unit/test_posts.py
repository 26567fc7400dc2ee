"""A/B posts: presence, the cover rule, absences and lateness (DESIGN section 3)."""

from __future__ import annotations

from typing import Any

import pytest

from hall.core import Refused
from hall.staffing.status import window_status

from .halls import HALL, Day, make_hall, plain


def open_day(*present: str) -> Day:
    """Opened at 08:00, the given A-posts present since 07:59, the others' cover requests and
    escalations already fired by 08:30."""
    d = Day()
    for staff in present:
        n = int(staff[1:])
        d.do("07:59", staff, "presence.set", window=n, post="A", state="present")
    d.tick("08:30")
    return d


def kinds(events: list[Any]) -> list[str]:
    return [plain(e)["type"] for e in events]


def status(d: Day, n: int) -> str:
    return window_status(d.window(n))


@pytest.mark.parametrize(
    ("steps", "then", "expected"),
    [
        # Away under cover_after: nothing fires; the window is `away`.
        ([("09:00", "a1", "away")], "09:09:59", ("away", [])),
        # At exactly cover_after the B-post is called and the window turns uncovered.
        ([("09:00", "a1", "away")], "09:10", ("uncovered", ["cover.requested"])),
        # escalate_after later the director is alerted, once.
        ([("09:00", "a1", "away")], "09:30", ("uncovered", ["cover.requested", "cover.escalated"])),
        # B covers before the deadline: nothing is requested.
        ([("09:00", "a1", "away"), ("09:05", "b1", "cover")], "09:30", ("covered", [])),
        # B covers after the request: no escalation.
        (
            [("09:00", "a1", "away"), ("09:11", "b1", "cover")],
            "09:30",
            ("covered", ["cover.requested"]),
        ),
        # A back before the deadline: nothing, ever.
        ([("09:00", "a1", "away"), ("09:09", "a1", "present")], "10:00", ("staffed", [])),
        # A back after the request but before escalation: nothing escalated.
        (
            [("09:00", "a1", "away"), ("09:11", "a1", "present")],
            "10:00",
            ("staffed", ["cover.requested"]),
        ),
        # Cover ended with A still away past the deadline: requested again at once ...
        (
            [("09:00", "a1", "away"), ("09:05", "b1", "cover"), ("09:20", "b1", "end")],
            "09:20",
            ("uncovered", ["cover.requested"]),
        ),
        # ... and escalated 2 minutes later.
        (
            [("09:00", "a1", "away"), ("09:05", "b1", "cover"), ("09:20", "b1", "end")],
            "09:22",
            ("uncovered", ["cover.requested", "cover.escalated"]),
        ),
        # Cover ended before the deadline: back to away; the clock still counts from 09:00.
        (
            [("09:00", "a1", "away"), ("09:02", "b1", "cover"), ("09:04", "b1", "end")],
            "09:10",
            ("uncovered", ["cover.requested"]),
        ),
    ],
)
def test_cover_rule(steps: list[tuple[str, str, str]], then: str, expected: Any) -> None:
    d = open_day("a1")
    for when, who, what in steps:
        if what == "away":
            d.do(when, who, "presence.set", window=1, post="A", state="away", reason="break")
        elif what == "present":
            d.do(when, who, "presence.set", window=1, post="A", state="present")
        elif what == "cover":
            d.do(when, who, "cover.start", window=1)
        elif what == "end":
            d.do(when, who, "cover.end", window=1)
    d.tick(then)
    want_status, want_types = expected
    assert status(d, 1) == want_status
    fired = [
        plain(e)["type"]
        for e in d.log
        if plain(e)["type"] in ("cover.requested", "cover.escalated") and e.window == 1
    ]
    assert fired == want_types


def test_cover_requested_names_the_b_post_and_is_stamped_at_the_deadline() -> None:
    d = open_day("a1")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="meeting")
    (req,) = d.tick("09:30")[:1]
    assert plain(req) == {
        "type": "cover.requested",
        "hall": "test",
        "at": "2026-11-30T09:10:00+08:00",
        "window": 1,
        "staff": "b1",
        "a_state": "away",
    }


@pytest.mark.parametrize(
    ("cover_at", "back_at", "want"),
    [
        # never covered, back after the deadline: late (Art. 17(1))
        (None, "09:20:30", {"minutes": 20.5, "seconds": 1230.0, "covered_by": None, "late": True}),
        # covered before the deadline: not late
        ("09:05", "09:30", {"minutes": 30.0, "covered_by": "b1", "late": False}),
        # covered only after the deadline passed: late, and covered_by is set
        ("09:12", "09:40", {"minutes": 40.0, "covered_by": "b1", "late": True}),
        # back in time: not late, minutes rounded half-up to one decimal (2 min 3 s = 2.05)
        (None, "09:02:03", {"minutes": 2.1, "covered_by": None, "late": False}),
        (None, "09:09:59", {"minutes": 10.0, "late": False}),
        (None, "09:10:00", {"minutes": 10.0, "late": True}),
    ],
)
def test_absence_recorded(cover_at: str | None, back_at: str, want: dict[str, Any]) -> None:
    d = open_day("a1")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="field")
    if cover_at:
        d.do(cover_at, "b1", "cover.start", window=1)
    events = d.do(back_at, "a1", "presence.set", window=1, post="A", state="present")
    tail = [plain(e) for e in events if plain(e)["type"] != "cover.requested"]
    tail = [e for e in tail if e["type"] != "cover.escalated"]
    types = [e["type"] for e in tail]
    assert types == ["presence.changed", *(["cover.ended"] if cover_at else []), "absence.recorded"]
    absence = tail[-1]
    assert absence["staff"] == "a1"
    assert absence["started"] == "2026-11-30T09:00:00+08:00"
    assert absence["ended"] == d.now(back_at).isoformat()
    assert {k: absence[k] for k in want} == want
    assert status(d, 1) == "staffed"
    assert d.window(1).b.state == "off"  # B returned to the state it had before covering


def test_b_returns_to_its_own_state_after_cover() -> None:
    d = open_day("a1")
    d.do("08:30", "b1", "presence.set", window=1, post="B", state="away", reason="back_office")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.do("09:01", "b1", "cover.start", window=1)
    assert d.window(1).b.state == "covering"
    d.do("09:05", "b1", "cover.end", window=1)
    assert d.window(1).b.state == "away"


def test_b_changing_presence_while_covering_ends_the_cover_first() -> None:
    d = open_day("a1")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.do("09:01", "b1", "cover.start", window=1)
    events = d.do("09:03", "b1", "presence.set", window=1, post="B", state="away", reason="other")
    assert kinds(events) == ["cover.ended", "presence.changed"]
    assert status(d, 1) == "away"


@pytest.mark.parametrize(
    ("setup", "command", "code"),
    [
        ([], ("b1", "cover.start", {}), "a_post_present"),
        ([], ("b1", "cover.end", {}), "not_covering"),
        ([("a1", "away"), ("b1", "cover")], ("b1", "cover.start", {}), "already_covering"),
    ],
)
def test_cover_refusals(setup: list[tuple[str, str]], command: Any, code: str) -> None:
    d = open_day("a1")
    for who, what in setup:
        if what == "away":
            d.do("09:00", who, "presence.set", window=1, post="A", state="away")
        else:
            d.do("09:01", who, "cover.start", window=1)
    before = d.state
    who, type_, fields = command
    with pytest.raises(Refused) as err:
        d.do("09:02", who, type_, window=1, **fields)
    assert err.value.code == code and err.value.status == 409
    assert d.state == before


def test_off_a_post_asks_for_cover_after_the_session_started() -> None:
    d = Day()
    assert status(d, 1) == "closed"
    d.tick("08:00")
    assert status(d, 1) == "unstaffed"
    assert kinds(d.tick("08:09:59")) == []
    fired = d.tick("08:10")
    assert kinds(fired) == ["cover.requested"] * 3
    assert kinds(d.tick("08:12")) == ["cover.escalated"] * 3
    assert status(d, 1) == "unstaffed"  # off is not an absence: no lateness for it
    events = d.do("08:20", "a1", "presence.set", window=1, post="A", state="present")
    assert kinds(events) == ["presence.changed"]  # no absence.recorded for being off


def test_a_going_off_mid_session_asks_for_cover_from_then() -> None:
    d = open_day("a1")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="off")
    assert status(d, 1) == "unstaffed"
    assert kinds(d.tick("09:09")) == []
    assert kinds(d.tick("09:10")) == ["cover.requested"]


def test_every_post_starts_the_day_off() -> None:
    d = open_day("a1", "a2")
    d.do("09:00", "b1", "presence.set", window=1, post="B", state="present")
    d.tick("23:59")
    assert d.window(1).a.state == "present"
    d.tick(d.now("00:00").replace(day=1, month=12))
    assert all(w.a.state == "off" and w.b.state == "off" for w in d.state.windows)


def test_off_refused_while_residents_wait_but_the_director_may() -> None:
    d = open_day("a1")
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.do("09:01", "kiosk", "ticket.issue", service="A")
    before = d.state
    with pytest.raises(Refused) as err:
        d.do("09:02", "a1", "presence.set", window=1, post="A", state="off")
    assert err.value.code == "queue_not_empty"
    assert err.value.body()["waiting"] == 2
    assert "2 resident" in err.value.message
    assert d.state == before
    d.do("09:02", "boss", "presence.set", window=1, post="A", state="off")
    assert d.window(1).a.state == "off"


def test_covering_b_post_may_not_go_off_with_a_queue() -> None:
    d = open_day("a1")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away")
    d.do("09:01", "b1", "cover.start", window=1)
    d.do("09:02", "kiosk", "ticket.issue", service="A")
    with pytest.raises(Refused) as err:
        d.do("09:03", "b1", "presence.set", window=1, post="B", state="off")
    assert err.value.code == "queue_not_empty"
    # the A-post may go off: it is not the post serving the window now
    d.do("09:04", "a1", "presence.set", window=1, post="A", state="off")


def test_same_presence_twice_is_a_no_op_but_a_new_reason_is_recorded() -> None:
    d = open_day("a1")
    assert d.do("09:00", "a1", "presence.set", window=1, post="A", state="present") == []
    d.do("09:01", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    assert (
        d.do("09:02", "a1", "presence.set", window=1, post="A", state="away", reason="break") == []
    )
    again = d.do("09:03", "a1", "presence.set", window=1, post="A", state="away", reason="meeting")
    assert plain(again[0])["reason"] == "meeting"
    assert d.window(1).a.since == d.now("09:01")  # the same away spell
    assert kinds(d.tick("09:11")) == ["cover.requested"]


@pytest.mark.parametrize("reason", ["break", "meeting", "field", "back_office", "other"])
def test_away_reasons(reason: str) -> None:
    d = open_day("a1")
    (e,) = d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason=reason)
    assert plain(e)["reason"] == reason
    assert d.window(1).a.reason == reason


def test_all_seven_statuses() -> None:
    d = Day(make_hall())
    seen = {status(d, 1)}  # closed
    d.tick("08:00")
    seen.add(status(d, 1))  # unstaffed
    d.do("08:01", "a1", "presence.set", window=1, post="A", state="present")
    seen.add(status(d, 1))  # staffed
    d.do("08:02", "a1", "presence.set", window=1, post="A", state="away")
    seen.add(status(d, 1))  # away
    d.tick("08:12")
    seen.add(status(d, 1))  # uncovered
    d.do("08:13", "b1", "cover.start", window=1)
    seen.add(status(d, 1))  # covered
    d.do("11:00", "kiosk", "ticket.issue", service="A")
    d.tick("12:00")
    seen.add(status(d, 1))  # extended
    assert seen == {"closed", "unstaffed", "staffed", "away", "uncovered", "covered", "extended"}


def test_hall_config_used_here_is_the_small_one() -> None:
    assert [w.number for w in HALL.windows] == [1, 2, 3]
