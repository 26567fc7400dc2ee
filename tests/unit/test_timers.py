"""The schedule as events: days, sessions, closing and extended service."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from hall.core import Refused, next_deadline
from hall.staffing.status import window_status
from tests.support.halls import make_hall

from .day import Day, at, plain


def types(events: list[Any]) -> list[str]:
    return [plain(e)["type"] for e in events]


def test_a_working_day_as_events() -> None:
    d = Day(start="07:00")
    assert types(d.log) == ["day.started"]
    assert plain(d.log[0])["at"] == "2026-11-30T00:00:00+08:00"
    opened = d.tick("08:00")
    # every window opens with its A-post not arrived: each B-post is told at once
    assert types(opened) == ["hall.opened"] + ["window.opened"] * 3 + ["cover.needed"] * 3
    assert plain(opened[0])["closes_at"] == "2026-11-30T12:00:00+08:00"
    d.tick("11:59")
    closing = [e for e in d.tick("12:00") if plain(e)["type"].startswith(("hall", "window"))]
    assert types(closing) == ["hall.closed"] + ["window.closed"] * 3
    assert all(plain(e).get("extended_minutes", 0) == 0 for e in closing)
    assert types(d.tick("14:29:59")) == []
    assert types(d.tick("14:30"))[:1] == ["hall.opened"]
    d.tick("17:30")
    assert d.state.closes_at is None
    assert next_deadline(d.hall, d.state) == at("00:00", date(2026, 12, 1))


@pytest.mark.parametrize(
    ("day", "sessions"),
    [
        (date(2026, 11, 28), 0),  # Saturday
        (date(2026, 12, 25), 0),  # a closed date in the test hall
        (date(2026, 12, 24), 2),
    ],
)
def test_days_and_closed_dates(day: date, sessions: int) -> None:
    d = Day(start="07:00", day=day)
    d.tick("23:00")
    assert types(d.log).count("hall.opened") == sessions


def test_times_with_seconds_and_a_catch_up_in_order() -> None:
    """A hub that was down from 07:00 to 13:00 replays the morning in order, stamped when due."""
    d = Day(start="07:00")
    events = d.tick("13:00")
    stamps = [e.at for e in events]
    assert stamps == sorted(stamps)
    assert types(events)[0] == "hall.opened" and "hall.closed" in types(events)
    assert plain(events[0])["at"] == "2026-11-30T08:00:00+08:00"


def test_kiosk_stops_at_the_session_end_or_the_cutoff() -> None:
    d = Day(make_hall(issue_cutoff=timedelta(minutes=15)))
    d.tick("08:00")
    d.do("11:44:59", "kiosk", "ticket.issue", service="A")
    with pytest.raises(Refused) as err:
        d.do("11:45", "kiosk", "ticket.issue", service="A")
    assert err.value.code == "hall_closed"
    with pytest.raises(Refused):
        Day(start="07:00").do("07:59:59", "kiosk", "ticket.issue", service="A")


def test_extended_service_until_the_last_resident_is_served() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.do("07:59", "a2", "presence.set", window=2, post="A", state="present")
    d.tick("08:00")
    d.do("11:50", "kiosk", "ticket.issue", service="A")
    d.do("11:51", "kiosk", "ticket.issue", service="A")
    d.do("11:52", "a1", "ticket.call", window=1)
    closing = {e.window: plain(e) for e in d.tick("12:00") if hasattr(e, "window")}
    # window 1 serves A001 and may call A002, window 2 may call A002, window 3 has nobody
    assert closing[1]["type"] == "window.extended" and closing[1]["waiting"] == 1
    assert closing[2]["type"] == "window.extended" and closing[2]["waiting"] == 1
    assert closing[3] == {**closing[3], "type": "window.closed", "extended_minutes": 0}
    assert window_status(d.window(1)) == "extended"
    # a clerk cannot leave while residents wait for the window
    with pytest.raises(Refused) as err:
        d.do("12:01", "a2", "presence.set", window=2, post="A", state="off")
    assert err.value.code == "queue_not_empty"
    d.do("12:03", "a2", "ticket.call", window=2)  # A002 taken by window 2
    d.do("12:05", "a1", "ticket.finish", window=1)  # window 1 has nobody left: closes
    closed = [plain(e) for e in d.log if plain(e)["type"] == "window.closed" and e.window == 1]
    assert closed[-1]["extended_minutes"] == 5.0
    events = d.do("12:07:30", "a2", "ticket.finish", window=2)
    assert (plain(events[-1])["type"], events[-1].window) == ("window.closed", 2)
    assert plain(events[-1])["extended_minutes"] == 7.5
    assert all(window_status(w) == "closed" for w in d.state.windows)


def test_tickets_left_at_midnight_expire_and_extended_windows_close() -> None:
    d = Day()
    d.tick("08:00")
    d.do("09:00", "kiosk", "ticket.issue", service="B")
    d.tick("17:30")
    assert window_status(d.window(3)) == "extended"
    events = d.tick(at("00:00", date(2026, 12, 1)))
    assert types(events) == ["window.closed", "window.closed", "day.started"]
    assert list(plain(events[-1])["expired"]) == ["B001"]
    assert d.state.tickets == ()


def test_a_hub_down_for_days_starts_today_without_replaying_each_day() -> None:
    d = Day()
    events = d.tick(at("07:00", date(2026, 12, 10)))
    days = [plain(e)["date"] for e in events if plain(e)["type"] == "day.started"]
    assert days == ["2026-12-10"]


def test_closing_ends_cover_and_absence_and_the_next_session_starts_afresh() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.tick("08:00")
    d.do("11:50", "a1", "presence.set", window=1, post="A", state="away", reason="field")
    d.do("11:52", "b1", "cover.start", window=1)
    closing = [plain(e) for e in d.tick("12:00") if getattr(e, "window", None) == 1]
    assert [e["type"] for e in closing] == ["cover.ended", "absence.recorded", "window.closed"]
    assert closing[1]["minutes"] == 10.0 and closing[1]["covered_by"] == "b1"
    assert (d.window(1).a.state, d.window(1).b.state) == ("off", "off")
    # the afternoon: not arrived (not absent); late arrival, never a late absence
    d.tick("14:43")
    events = d.do("14:45", "a1", "presence.set", window=1, post="A", state="present")
    assert [plain(e)["type"] for e in events if getattr(e, "window", 0) == 1] == [
        "presence.changed",
        "arrival.late",
    ]


def test_away_before_arriving_is_still_not_arriving() -> None:
    d = Day()
    d.tick("08:11")  # A-post off since opening: cover requested at 08:10
    d.do("08:15", "a1", "presence.set", window=1, post="A", state="away")
    events = d.do("08:16", "a1", "presence.set", window=1, post="A", state="present")
    assert [plain(e)["type"] for e in events] == ["presence.changed", "arrival.late"]
    assert d.of("absence.recorded") == []


def _evening(d: Day) -> None:
    """a1 and a2 present from 14:29, two residents for service A at 17:20, a1 calls one."""
    d.tick("14:29")
    d.do("14:29", "a1", "presence.set", window=1, post="A", state="present")
    d.do("14:29", "a2", "presence.set", window=2, post="A", state="present")
    d.tick("17:00")
    d.do("17:20", "kiosk", "ticket.issue", service="A")
    d.do("17:21", "kiosk", "ticket.issue", service="A")
    d.do("17:22", "a1", "ticket.call", window=1)


def test_extended_minutes_count_only_while_someone_serves() -> None:
    d = Day()
    _evening(d)
    d.do("17:25", "a2", "ticket.call", window=2)
    d.tick("17:30")
    d.do("17:40", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.do("17:44", "b1", "cover.start", window=1)  # B serves from 17:44
    d.do("17:50", "b1", "ticket.finish", window=1)
    closed = d.of("window.closed", 1)[-1]
    assert closed["served_by"] == {"a1": 10.0, "b1": 6.0}
    assert closed["extended_minutes"] == 16.0  # 17:40-17:44 nobody served: not counted


def test_an_extended_window_shows_who_serves_and_counts_as_staffed() -> None:
    from hall.core.public import public_state

    d = Day()
    _evening(d)
    d.tick("17:30")
    view = public_state(d.hall, d.state, d.now("17:31"), "0-0")
    w1 = view["windows"][0]
    assert (w1["status"], w1["serving_status"]) == ("extended", "staffed")
    assert view["occupancy"]["staffed_windows"] == 2  # both extended windows are served
    assert view["open"] is False


def test_a_stranded_window_and_the_director_closing_it() -> None:
    from hall.core.alerts import current

    d = Day()
    _evening(d)
    d.tick("17:30")
    d.do("17:31", "a1", "ticket.finish", window=1)
    d.do("17:31", "a1", "presence.set", window=1, post="A", state="away", reason="other")
    d.do("17:32", "a2", "presence.set", window=2, post="A", state="away", reason="other")
    d.tick("17:45")
    stranded = [a for a in current(d.hall, d.state) if a.kind == "stranded"]
    assert [(a.window, a.waiting) for a in stranded] == [(1, 1), (2, 1)]

    def mine(events: list[Any]) -> list[str]:
        return [plain(e)["type"] for e in events if plain(e)["type"].startswith(("ticket", "win"))]

    events = d.do("17:46", "boss", "window.close", window=1)
    assert mine(events) == ["window.closed"]  # window 2 may still call A002
    events = d.do("17:47", "boss", "window.close", window=2)
    assert mine(events) == ["ticket.closed", "window.closed"]
    closed = plain(events[0])
    assert (closed["ticket"]["number"], closed["reason"]) == ("A002", "window_closed")
    assert plain(events[-1])["extended_minutes"] == 2.0  # a2 served 17:30-17:32 only
    assert plain(events[-1])["by"] == "boss"
    assert d.state.tickets == () and current(d.hall, d.state) == []


def test_window_close_moves_residents_keeping_their_place() -> None:
    d = Day()
    _evening(d)
    d.tick("17:30")
    d.do("17:31", "a1", "presence.set", window=1, post="A", state="away", reason="other")
    # A001 was at window 1's counter; A002 waits for windows 1 and 2 and stays
    events = d.do("17:32", "boss", "window.close", window=1, transfer_to=2)
    moved = [plain(e) for e in events if plain(e)["type"] == "ticket.transferred"]
    assert [(m["ticket"]["number"], m["to_window"]) for m in moved] == [("A001", 2)]
    call = d.do("17:33", "a2", "ticket.call", window=2)
    assert plain(call[-1])["ticket"]["number"] == "A001"  # its place kept: before A002


@pytest.mark.parametrize(
    ("when", "fields", "code"),
    [
        ("10:00", {"window": 1}, "not_extended"),  # windows close on their own by the hours
        ("17:31", {"window": 1, "transfer_to": 1}, "same_window"),
        ("17:31", {"window": 1, "transfer_to": 3}, "window_closed"),
    ],
)
def test_window_close_refusals(when: str, fields: dict[str, Any], code: str) -> None:
    d = Day()
    _evening(d) if when > "17:00" else d.tick("08:00")
    d.tick(when)
    before = d.state
    with pytest.raises(Refused) as err:
        d.do(when, "boss", "window.close", **fields)
    assert err.value.code == code and d.state == before


def test_only_the_director_closes_a_window() -> None:
    from hall.core import Forbidden

    d = Day()
    _evening(d)
    d.tick("17:31")
    with pytest.raises(Forbidden):
        d.do("17:31", "a1", "window.close", window=1)


def test_a_transferred_ticket_is_not_flagged_overdue_back_in_time() -> None:
    d = Day()
    d.tick("08:00")
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.do("09:05", "boss", "ticket.call", window=1)
    d.do("09:40", "boss", "ticket.transfer", window=1, to_window=2)
    d.tick("09:41")
    (overdue,) = [e for e in d.log if plain(e)["type"] == "ticket.overdue"]
    assert plain(overdue)["at"] == "2026-11-30T09:40:00+08:00"


@pytest.mark.parametrize(
    ("day", "opens"),
    [
        (date(2026, 10, 1), False),  # Thursday, National Day: no opening, nobody told to cover
        (date(2026, 10, 10), True),  # Saturday, a make-up working day (调休): a normal day
        (date(2026, 10, 17), False),  # an ordinary Saturday
    ],
)
def test_national_holidays_and_make_up_days(day: date, opens: bool) -> None:
    d = Day(make_hall(holidays="cn"), start="07:00", day=day)
    d.tick("23:00")
    assert ("hall.opened" in d.types()) is opens
    assert ("cover.needed" in d.types()) is opens  # no cover asked for on a holiday
    if not opens:
        with pytest.raises(Refused) as err:
            d.do("09:00", "kiosk", "ticket.issue", service="A")
        assert err.value.code == "hall_closed"
        from hall.core.alerts import current

        assert current(d.hall, d.state) == []
