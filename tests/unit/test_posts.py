"""A/B posts (DESIGN 3): the B-post told at once, the rule's moment, absences and lateness,
arrival, sessions resetting presence, off as absence, the B-post's states, one person one
cover, serving is presence. Fixed times, one row per rule."""

from __future__ import annotations

from typing import Any

import pytest

from hall.core import Refused
from hall.staffing.status import window_status
from tests.support.halls import make_hall

from .day import HALL, Day, plain


def open_day(*present: str, hall: Any = HALL) -> Day:
    """Opened at 08:00 with the given A-posts present since 07:59; the other windows' cover
    needs, requests and escalations already fired by 08:30."""
    d = Day(hall)
    for staff in present:
        n = int(staff[1:])
        d.do("07:59", staff, "presence.set", window=n, post="A", state="present")
    d.tick("08:30")
    return d


def kinds(events: list[Any]) -> list[str]:
    return [plain(e)["type"] for e in events]


def status(d: Day, n: int) -> str:
    return window_status(d.window(n))


def act(d: Day, when: str, what: str, window: int = 1) -> list[Any]:
    """A short step language: A-away, A-off, A-present, B-present, B-away, B-off, cover, end."""
    a, b = f"a{window}", f"b{window}"
    steps = {
        "A-away": (a, "presence.set", {"post": "A", "state": "away", "reason": "break"}),
        "A-off": (a, "presence.set", {"post": "A", "state": "off"}),
        "A-present": (a, "presence.set", {"post": "A", "state": "present"}),
        "B-present": (b, "presence.set", {"post": "B", "state": "present"}),
        "B-away": (b, "presence.set", {"post": "B", "state": "away", "reason": "other"}),
        "B-off": (b, "presence.set", {"post": "B", "state": "off"}),
        "cover": (b, "cover.start", {}),
        "end": (b, "cover.end", {}),
    }
    who, type_, fields = steps[what]
    return d.do(when, who, type_, window=window, **fields)


COVER = ("cover.needed", "cover.requested", "cover.escalated")


@pytest.mark.parametrize(
    ("steps", "then", "expected"),
    [
        # The B-post is told the moment the A-post leaves, with the deadline.
        ([("09:00", "A-away")], "09:00", ("away", ["cover.needed"])),
        # Exactly cover_after is not *more* than it: nothing yet.
        ([("09:00", "A-away")], "09:10", ("away", ["cover.needed"])),
        # Past it the rule takes hold: the window turns uncovered.
        ([("09:00", "A-away")], "09:10:01", ("uncovered", ["cover.needed", "cover.requested"])),
        # escalate_after later the director is alerted, once.
        ([("09:00", "A-away")], "09:30", ("uncovered", list(COVER))),
        # B covers before the deadline: nothing is requested.
        ([("09:00", "A-away"), ("09:05", "cover")], "09:30", ("covered", ["cover.needed"])),
        # B covers exactly at the deadline: on time.
        ([("09:00", "A-away"), ("09:10", "cover")], "09:30", ("covered", ["cover.needed"])),
        # B covers after the request: no escalation.
        (
            [("09:00", "A-away"), ("09:11", "cover")],
            "09:30",
            ("covered", ["cover.needed", "cover.requested"]),
        ),
        # A back before the deadline: nothing more, ever.
        ([("09:00", "A-away"), ("09:09", "A-present")], "10:00", ("staffed", ["cover.needed"])),
        # A back after the request but before escalation: nothing escalated.
        (
            [("09:00", "A-away"), ("09:11", "A-present")],
            "10:00",
            ("staffed", ["cover.needed", "cover.requested"]),
        ),
        # Cover ended with A still away past the deadline: requested again at once ...
        (
            [("09:00", "A-away"), ("09:05", "cover"), ("09:20", "end")],
            "09:20",
            ("uncovered", ["cover.needed", "cover.requested"]),
        ),
        # ... and escalated 2 minutes later.
        (
            [("09:00", "A-away"), ("09:05", "cover"), ("09:20", "end")],
            "09:22",
            ("uncovered", list(COVER)),
        ),
        # Cover ended before the deadline: back to away; the deadline still is 09:10.
        (
            [("09:00", "A-away"), ("09:02", "cover"), ("09:04", "end")],
            "09:10:01",
            ("uncovered", ["cover.needed", "cover.requested"]),
        ),
        # Off mid-session is an absence like away: told at once, uncovered past the deadline.
        ([("09:00", "A-off")], "09:10:01", ("uncovered", ["cover.needed", "cover.requested"])),
        # Away then off: one spell, one need.
        ([("09:00", "A-away"), ("09:03", "A-off")], "09:09", ("unstaffed", ["cover.needed"])),
    ],
)
def test_cover_rule(steps: list[tuple[str, str]], then: str, expected: Any) -> None:
    d = open_day("a1")
    for when, what in steps:
        act(d, when, what)
    d.tick(then)
    want_status, want_types = expected
    assert status(d, 1) == want_status
    fired = [plain(e)["type"] for e in d.log if plain(e)["type"] in COVER and e.window == 1]
    assert fired == want_types


def test_cover_needed_names_the_b_post_and_the_deadline_at_once() -> None:
    d = open_day("a1")
    events = act(d, "09:00", "A-away")
    assert [plain(e) for e in events][1] == {
        "type": "cover.needed",
        "hall": "test",
        "at": "2026-11-30T09:00:00+08:00",
        "window": 1,
        "staff": "b1",
        "deadline": "2026-11-30T09:10:00+08:00",
        "a_state": "away",
    }
    d.tick("09:30")
    (req,) = d.of("cover.requested", 1)
    assert req["at"] == "2026-11-30T09:10:00+08:00"  # stamped at the deadline
    assert (req["staff"], req["a_state"]) == ("b1", "away")


@pytest.mark.parametrize(
    ("cover_at", "back_at", "want"),
    [
        # never covered, back after the deadline: late (Art. 17(1))
        (None, "09:20:30", {"minutes": 20.5, "seconds": 1230.0, "covered_by": None, "late": True}),
        # covered before the deadline: not late
        ("09:05", "09:30", {"minutes": 30.0, "covered_by": "b1", "late": False}),
        # covered only after the deadline passed: late, and who covered from when is kept
        (
            "09:12",
            "09:40",
            {
                "minutes": 40.0,
                "covered_by": "b1",
                "cover_started": "2026-11-30T09:12:00+08:00",
                "late": True,
            },
        ),
        # back in time: not late, minutes rounded half-up to one decimal (2 min 3 s = 2.05)
        (None, "09:02:03", {"minutes": 2.1, "covered_by": None, "late": False}),
        (None, "09:09:59", {"minutes": 10.0, "late": False}),
        # exactly ten minutes is not *more* than ten (Art. 17(1)): not late
        (None, "09:10:00", {"minutes": 10.0, "late": False}),
        (None, "09:10:01", {"minutes": 10.0, "late": True}),
    ],
)
def test_absence_recorded(cover_at: str | None, back_at: str, want: dict[str, Any]) -> None:
    d = open_day("a1")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="field")
    if cover_at:
        d.do(cover_at, "b1", "cover.start", window=1)
    events = d.do(back_at, "a1", "presence.set", window=1, post="A", state="present")
    tail = [plain(e) for e in events if plain(e)["type"] not in COVER]
    types = [e["type"] for e in tail]
    assert types == ["presence.changed", *(["cover.ended"] if cover_at else []), "absence.recorded"]
    absence = tail[-1]
    assert (absence["staff"], absence["reason"]) == ("a1", "field")
    assert absence["started"] == "2026-11-30T09:00:00+08:00"
    assert absence["ended"] == d.now(back_at).isoformat()
    assert {k: absence[k] for k in want} == want
    assert status(d, 1) == "staffed"
    assert d.window(1).b.state == "off"  # B returned to the state it had before covering


# --- arrival (Art. 13(9) 按时上下班) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("grace", "arrive", "late"),
    [
        ("0m", "07:59", None),  # present before the opening
        ("0m", "08:00", None),  # at the opening
        ("0m", "08:00:01", 0.0),  # a second late: recorded (0.0 minutes, one decimal)
        ("0m", "08:03", 3.0),
        ("5m", "08:05", None),  # within the grace
        ("5m", "08:06", 6.0),  # past it: minutes from the opening
        ("0m", "09:47:30", 107.5),
    ],
)
def test_arrival(grace: str, arrive: str, late: float | None) -> None:
    from hall.config import parse_duration

    d = Day(make_hall(arrival_grace=parse_duration(grace)))
    if arrive < "08:00":
        d.do(arrive, "a1", "presence.set", window=1, post="A", state="present")
        d.tick("08:00")
    else:
        d.tick("08:00")
        d.do(arrive, "a1", "presence.set", window=1, post="A", state="present")
    found = d.of("arrival.late", 1)
    if late is None:
        assert found == []
    else:
        (e,) = found
        assert (e["staff"], e["minutes"]) == ("a1", late)
        assert e["opened"] == "2026-11-30T08:00:00+08:00"
        assert e["arrived"] == d.now(arrive).isoformat()
    assert d.of("absence.recorded") == []  # not yet arrived is never an absence


def test_not_arrived_follows_the_cover_rule_from_the_opening_plus_the_grace() -> None:
    from datetime import timedelta

    d = Day(make_hall(arrival_grace=timedelta(minutes=5)))
    d.tick("08:04:59")
    assert d.of("cover.needed", 1) == [] and status(d, 1) == "unstaffed"
    d.tick("08:05")
    (need,) = d.of("cover.needed", 1)
    assert need["deadline"] == "2026-11-30T08:15:00+08:00" and need["a_state"] == "off"
    d.tick("08:15:01")
    assert status(d, 1) == "uncovered"  # red on the wall, not grey 未到岗
    events = d.do("08:20", "a1", "presence.set", window=1, post="A", state="present")
    mine = [e for e in events if e.window == 1 and plain(e)["type"] not in COVER]
    assert kinds(mine) == ["presence.changed", "arrival.late"]  # no absence, no late absence


def test_arrival_late_once_per_session_then_absences() -> None:
    d = Day()
    d.tick("08:00")
    act(d, "08:02", "A-present")
    act(d, "09:00", "A-away")
    act(d, "09:05", "A-present")
    assert len(d.of("arrival.late", 1)) == 1
    assert len(d.of("absence.recorded", 1)) == 1


def test_sessions_reset_presence_and_no_absence_spans_lunch() -> None:
    """11:55 away -> 12:00 close -> 14:30 open -> present 14:33."""
    d = open_day("a1")
    act(d, "11:50", "B-present")
    act(d, "11:55", "A-away")
    d.tick("12:00")
    (absence,) = d.of("absence.recorded", 1)
    assert absence["ended"] == "2026-11-30T12:00:00+08:00"
    assert (absence["minutes"], absence["late"]) == (5.0, False)
    w = d.window(1)
    assert (w.a.state, w.b.state) == ("off", "off")  # presence never carries over lunch
    d.tick("14:30")
    assert status(d, 1) == "unstaffed"
    assert d.of("cover.needed", 1)[-1]["at"] == "2026-11-30T14:30:00+08:00"
    events = d.do("14:33", "a1", "presence.set", window=1, post="A", state="present")
    assert kinds(events) == ["presence.changed", "arrival.late"]
    assert plain(events[1])["minutes"] == 3.0
    assert len(d.of("absence.recorded", 1)) == 1  # nothing from 12:00 to 14:33


def test_cover_arranged_before_lunch_is_asked_for_again_after_it() -> None:
    d = open_day("a1")
    act(d, "11:30", "A-away")
    act(d, "11:32", "cover")
    d.tick("12:00")
    (absence,) = d.of("absence.recorded", 1)
    assert (absence["covered_by"], absence["late"]) == ("b1", False)
    d.tick("14:30")
    assert d.of("cover.needed", 1)[-1]["deadline"] == "2026-11-30T14:40:00+08:00"
    act(d, "14:31", "cover")  # B covers again; the A-post never comes back: no lateness
    d.tick("17:30")
    assert all(not a["late"] for a in d.of("absence.recorded", 1))
    assert d.of("arrival.late", 1) == []


def test_presence_taps_while_closed_open_no_absence() -> None:
    d = Day()
    act(d, "07:00", "A-present")
    act(d, "07:30", "A-away")
    act(d, "07:40", "A-off")
    d.tick("07:59")
    assert d.of("absence.recorded") == [] and d.of("cover.needed") == []
    assert d.window(1).a.state == "off"


def test_every_post_starts_the_day_off() -> None:
    d = open_day("a1", "a2")
    act(d, "09:00", "B-present")
    d.tick("17:30")
    assert all(w.a.state == "off" and w.b.state == "off" for w in d.state.windows)
    act(d, "18:00", "A-present")  # working late, the hall closed: no effect on tomorrow
    d.tick(d.now("00:00").replace(day=1, month=12))
    assert all(w.a.state == "off" and w.b.state == "off" for w in d.state.windows)


# --- off is not a loophole --------------------------------------------------------------------


def test_going_off_mid_session_is_an_absence_with_reason_off() -> None:
    d = open_day("a1")
    act(d, "11:30", "A-off")
    assert d.of("cover.needed", 1)[-1]["a_state"] == "off"
    d.tick("12:00")
    (absence,) = d.of("absence.recorded", 1)
    assert absence["reason"] == "off"
    assert (absence["minutes"], absence["late"]) == (30.0, True)


@pytest.mark.parametrize(
    ("who", "post", "setup", "code"),
    [
        ("a1", "A", "serving", "serving"),
        ("boss", "A", "serving", "serving"),  # a resident at the counter: finish first
        ("a1", "A", "queue", "queue_not_empty"),
        ("b1", "B", "covering-queue", "queue_not_empty"),
        ("b1", "B", "covering-serving", "serving"),
    ],
)
def test_off_refusals(who: str, post: str, setup: str, code: str) -> None:
    d = open_day("a1")
    if setup.startswith("covering"):
        act(d, "08:40", "A-away")
        act(d, "08:41", "cover")
    d.do("08:50", "kiosk", "ticket.issue", service="A")
    d.do("08:51", "kiosk", "ticket.issue", service="A")
    if setup.endswith("serving"):
        d.do("08:52", "b1" if setup.startswith("covering") else "a1", "ticket.call", window=1)
    before = d.state
    with pytest.raises(Refused) as err:
        d.do("09:00", who, "presence.set", window=1, post=post, state="off")
    assert err.value.code == code and err.value.status == 409
    assert d.state == before


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


def test_the_a_post_may_go_off_while_b_covers_and_it_is_still_an_absence() -> None:
    d = open_day("a1")
    act(d, "09:00", "A-away")
    act(d, "09:01", "cover")
    d.do("09:02", "kiosk", "ticket.issue", service="A")
    act(d, "09:04", "A-off")  # not the post serving the window now
    assert d.window(1).absence is not None and d.window(1).absence.started == d.now("09:00")


# --- the B-post's states and one person one cover ----------------------------------------------


def test_b_returns_to_its_own_state_after_cover() -> None:
    d = open_day("a1")
    act(d, "08:40", "B-away")
    act(d, "09:00", "A-away")
    act(d, "09:01", "cover")
    assert d.window(1).b.state == "covering"
    act(d, "09:05", "end")
    assert d.window(1).b.state == "away"


def test_b_going_away_or_off_while_covering_ends_the_cover_first() -> None:
    d = open_day("a1")
    act(d, "09:00", "A-away")
    act(d, "09:01", "cover")
    assert kinds(act(d, "09:03", "B-away"))[:2] == ["cover.ended", "presence.changed"]
    assert status(d, 1) == "away"
    act(d, "09:04", "cover")
    assert kinds(act(d, "09:05", "B-off"))[:2] == ["cover.ended", "presence.changed"]


@pytest.mark.parametrize(
    ("setup", "command", "code"),
    [
        ([], "cover", "a_post_present"),
        ([], "end", "not_covering"),
        (["A-away", "cover"], "cover", "already_covering"),
        # present while covering: the tablet offers "end cover" instead
        (["A-away", "cover"], "B-present", "covering"),
    ],
)
def test_cover_refusals(setup: list[str], command: str, code: str) -> None:
    d = open_day("a1")
    for i, what in enumerate(setup):
        act(d, f"09:0{i}", what)
    before = d.state
    with pytest.raises(Refused) as err:
        act(d, "09:05", command)
    assert err.value.code == code and err.value.status == 409
    assert d.state == before


def test_cover_start_on_a_closed_window_is_refused() -> None:
    d = Day()
    with pytest.raises(Refused) as err:
        act(d, "07:30", "cover")
    assert err.value.code == "window_closed"


def test_one_person_covers_one_window_and_the_second_need_goes_to_the_director() -> None:
    d = open_day("a1", "a2", hall=make_hall(shared_b=True))  # b1 is B of windows 1 and 2
    act(d, "09:00", "A-away", window=1)
    d.do("09:01", "b1", "cover.start", window=1)
    events = act(d, "09:02", "A-away", window=2)
    need = plain(events[-1])
    assert (need["type"], need["staff"], need["b_busy"]) == ("cover.needed", "b1", "covering")
    with pytest.raises(Refused) as err:
        d.do("09:03", "b1", "cover.start", window=2)
    assert err.value.code == "busy_elsewhere" and err.value.body()["window"] == 1
    from hall.core.alerts import current

    (alert,) = [a for a in current(d.hall, d.state) if a.window == 2]
    assert (alert.kind, alert.window, alert.reason, alert.elsewhere) == (
        "b_unavailable",
        2,
        "covering",
        1,
    )
    d.do("09:04", "boss", "presence.set", window=2, post="A", state="present")
    assert [a for a in current(d.hall, d.state) if a.window == 2] == []


# --- serving is presence ---------------------------------------------------------------------


def test_an_away_a_post_who_calls_is_present_first() -> None:
    d = open_day("a1")
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    act(d, "09:01", "A-away")
    events = d.do("09:03", "a1", "ticket.call", window=1)
    assert kinds(events) == ["presence.changed", "absence.recorded", "ticket.called"]
    assert status(d, 1) == "staffed"


def test_a_not_arrived_a_post_who_calls_arrives_late() -> None:
    d = Day()
    d.tick("08:00")
    d.do("08:01", "kiosk", "ticket.issue", service="A")
    events = d.do("08:04", "a1", "ticket.call", window=1)
    assert kinds(events) == ["presence.changed", "arrival.late", "ticket.called"]


def test_a_b_post_who_calls_for_an_empty_window_covers_first() -> None:
    d = open_day("a1")
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    act(d, "09:01", "A-away")
    events = d.do("09:02", "b1", "ticket.call", window=1)
    assert kinds(events) == ["cover.started", "ticket.called"]
    assert status(d, 1) == "covered"
    d.tick("09:30")
    assert d.of("cover.requested", 1) == []  # nothing uncovered while B serves
    (called,) = d.of("ticket.called", 1)
    assert called["staff"] == "b1"


def test_b_calling_while_a_is_present_just_helps() -> None:
    d = open_day("a1")
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    assert kinds(d.do("09:02", "b1", "ticket.call", window=1)) == ["ticket.called"]


def test_same_presence_twice_is_a_no_op_but_a_new_reason_is_recorded() -> None:
    d = open_day("a1")
    assert d.do("09:00", "a1", "presence.set", window=1, post="A", state="present") == []
    d.do("09:01", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    assert (
        d.do("09:02", "a1", "presence.set", window=1, post="A", state="away", reason="break") == []
    )
    again = d.do("09:03", "a1", "presence.set", window=1, post="A", state="away", reason="meeting")
    assert kinds(again) == ["presence.changed"] and plain(again[0])["reason"] == "meeting"
    assert d.window(1).a.since == d.now("09:01")  # the same away spell
    assert kinds(d.tick("09:11:01")) == ["cover.requested"]


@pytest.mark.parametrize("reason", ["break", "meeting", "field", "back_office", "other"])
def test_away_reasons(reason: str) -> None:
    d = open_day("a1")
    e = d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason=reason)[0]
    assert plain(e)["reason"] == reason
    assert d.window(1).a.reason == reason


def test_all_seven_statuses() -> None:
    d = Day(make_hall())
    seen = {status(d, 1)}  # closed
    d.tick("08:00")
    seen.add(status(d, 1))  # unstaffed
    d.do("08:00", "a1", "presence.set", window=1, post="A", state="present")
    seen.add(status(d, 1))  # staffed
    d.do("08:02", "a1", "presence.set", window=1, post="A", state="away")
    seen.add(status(d, 1))  # away
    d.tick("08:12:01")
    seen.add(status(d, 1))  # uncovered
    d.do("08:13", "b1", "cover.start", window=1)
    seen.add(status(d, 1))  # covered
    d.do("11:00", "kiosk", "ticket.issue", service="A")
    d.tick("12:00")
    seen.add(status(d, 1))  # extended
    assert seen == {"closed", "unstaffed", "staffed", "away", "uncovered", "covered", "extended"}


def test_hall_config_used_here_is_the_small_one() -> None:
    assert [w.number for w in HALL.windows] == [1, 2, 3]
