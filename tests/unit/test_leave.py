"""Registered leave (DESIGN 3, Art. 17(1) 请休假、公务外出): never late, never an absence, the
window offered to the B-post at once; taking effect and ending on its own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hall.core import DomainError
from hall.core.alerts import current
from hall.staffing.status import window_status

from .day import Day, at, plain


def register(d: Day, when: str, staff: str, start: str, until: str, who: str = "boss") -> str:
    (e,) = [
        x
        for x in d.do(
            when,
            who,
            "leave.register",
            staff=staff,
            kind="leave",
            **{"from": d.now(start).isoformat(), "until": d.now(until).isoformat()},
        )
        if plain(x)["type"] == "leave.registered"
    ]
    leave: str = plain(e)["leave"]
    return leave


def test_a_leave_spanning_lunch_records_nothing_against_the_clerk() -> None:
    d = Day()
    leave = register(d, "07:00", "a1", "11:00", "15:00")
    assert leave == "L1"
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.tick("11:00")
    assert d.of("leave.started")[0]["at"] == "2026-11-30T11:00:00+08:00"
    d.do("11:00:30", "a1", "presence.set", window=1, post="A", state="off")
    need = d.of("cover.needed", 1)[-1]
    assert (need["a_leave"], need["deadline"]) == (True, "2026-11-30T11:10:30+08:00")
    d.tick("14:30")
    # after lunch the A-post is on leave: offered to B at the opening, no grace to wait for
    assert d.of("cover.needed", 1)[-1]["at"] == "2026-11-30T14:30:00+08:00"
    d.tick("15:00")
    assert d.of("leave.ended")[0]["at"] == "2026-11-30T15:00:00+08:00"
    assert d.of("cover.needed", 1)[-1]["at"] == "2026-11-30T15:00:00+08:00"  # from its end
    events = d.do("15:05", "a1", "presence.set", window=1, post="A", state="present")
    arrival = [plain(e) for e in events if plain(e)["type"] == "arrival.late"]
    assert arrival[0]["opened"] == "2026-11-30T15:00:00+08:00"
    assert arrival[0]["minutes"] == 5.0  # late from the end of the leave, not from 14:30
    assert d.of("absence.recorded") == []


def test_uncovered_during_leave_is_the_b_posts_not_the_clerks() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    register(d, "09:00", "a1", "09:30", "11:00")
    d.do("09:31", "a1", "presence.set", window=1, post="A", state="away", reason="field")
    d.tick("09:50")
    assert window_status(d.window(1)) == "uncovered"
    assert d.of("cover.escalated", 1)  # the director is told that B did not come
    d.do("10:30", "a1", "presence.set", window=1, post="A", state="present")
    assert d.of("absence.recorded", 1) == []


def test_a_leave_starting_during_an_absence_ends_it_there() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.do("09:55", "a1", "presence.set", window=1, post="A", state="away", reason="meeting")
    register(d, "09:56", "a1", "10:00", "11:00")
    d.tick("10:30")
    (absence,) = d.of("absence.recorded", 1)
    assert absence["ended"] == "2026-11-30T10:00:00+08:00" and absence["late"] is False
    types = d.types()
    assert types.index("absence.recorded") < types.index("leave.started")


def test_still_away_when_the_leave_ends_is_an_absence_from_then() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    register(d, "09:00", "a1", "09:30", "10:00")
    d.do("09:30", "a1", "presence.set", window=1, post="A", state="away", reason="field")
    d.do("09:31", "b1", "cover.start", window=1)
    d.do("09:59", "b1", "cover.end", window=1)  # B leaves as the leave runs out
    d.tick("10:00")
    assert d.of("cover.needed", 1)[-1]["at"] == "2026-11-30T10:00:00+08:00"
    d.tick("10:10:01")
    d.do("10:15", "a1", "presence.set", window=1, post="A", state="present")
    (absence,) = d.of("absence.recorded", 1)
    assert absence["started"] == "2026-11-30T10:00:00+08:00"
    assert (absence["minutes"], absence["late"]) == (15.0, True)


def test_a_b_post_on_leave_sends_the_need_to_the_director() -> None:
    d = Day()
    register(d, "07:00", "b1", "08:00", "17:30")
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    assert d.of("cover.needed", 1)[-1]["b_busy"] == "leave"
    (alert,) = [a for a in current(d.hall, d.state) if a.window == 1]
    assert (alert.kind, alert.reason) == ("b_unavailable", "leave")


def test_cancel_a_running_leave_ends_it() -> None:
    d = Day()
    leave = register(d, "07:00", "a1", "08:00", "12:00")
    d.tick("09:00")
    events = d.do("09:00", "boss", "leave.cancel", leave=leave)
    assert [plain(e)["type"] for e in events][:2] == ["leave.ended", "leave.cancelled"]
    assert d.state.leaves == ()
    assert d.window(1).expected == d.now("09:00")  # expected from now on


def test_a_leave_for_next_week_survives_the_nights() -> None:
    d = Day()
    monday = d.day + timedelta(days=7)
    nxt, until = at("08:00", monday).isoformat(), at("12:00", monday).isoformat()
    d.do(
        "10:00", "boss", "leave.register", staff="a2", kind="training", **{"from": nxt}, until=until
    )
    d.tick(at("07:00", monday))
    assert [lv.staff for lv in d.state.leaves] == ["a2"]
    d.tick(at("08:00", monday))
    assert d.state.on_leave("a2") is not None
    d.tick(at("12:00", monday))
    assert d.state.leaves == ()


@pytest.mark.parametrize(
    ("who", "fields", "code", "status"),
    [
        ("a1", {"staff": "a1"}, "forbidden", 403),  # clerks do not register leave
        ("kiosk", {"staff": "a1"}, "forbidden", 403),
        ("boss", {"staff": "nobody"}, "unknown_staff", 404),
        ("boss", {"staff": "a1", "until": "2026-11-30T10:00:00+08:00"}, "invalid_field", 400),
        ("boss", {"staff": "a2"}, "leave_overlaps", 409),
    ],
)
def test_register_refusals(who: str, fields: dict[str, Any], code: str, status: int) -> None:
    d = Day()
    register(d, "07:00", "a2", "09:00", "12:00")
    body = {
        "kind": "leave",
        "from": d.now("10:00").isoformat(),
        "until": d.now("11:00").isoformat(),
    }
    body.update(fields)
    before = d.state
    with pytest.raises(DomainError) as err:
        d.do("07:30", who, "leave.register", **body)
    assert (err.value.code, err.value.status) == (code, status)
    assert d.state == before


def test_cancel_unknown_leave_is_404() -> None:
    d = Day()
    with pytest.raises(DomainError) as err:
        d.do("07:30", "boss", "leave.cancel", leave="L9")
    assert (err.value.code, err.value.status) == ("unknown_leave", 404)
