"""The schedule as events: days, sessions, closing and extended service."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from hall.core import Refused, next_deadline
from hall.staffing.status import window_status

from .halls import Day, at, make_hall, plain


def types(events: list[Any]) -> list[str]:
    return [plain(e)["type"] for e in events]


def test_a_working_day_as_events() -> None:
    d = Day(start="07:00")
    assert types(d.log) == ["day.started"]
    assert plain(d.log[0])["at"] == "2026-11-30T00:00:00+08:00"
    opened = d.tick("08:00")
    assert types(opened) == ["hall.opened"] + ["window.opened"] * 3
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


def test_closing_ends_cover_and_absence_and_reopening_starts_a_new_one() -> None:
    d = Day()
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.tick("08:00")
    d.do("11:50", "a1", "presence.set", window=1, post="A", state="away", reason="field")
    d.do("11:52", "b1", "cover.start", window=1)
    closing = [plain(e) for e in d.tick("12:00") if getattr(e, "window", None) == 1]
    assert [e["type"] for e in closing] == ["cover.ended", "absence.recorded", "window.closed"]
    assert closing[1]["minutes"] == 10.0 and closing[1]["covered_by"] == "b1"
    assert d.window(1).b.state == "off"  # back to what B was before covering
    # still away when the window reopens: a new absence from 14:30, late once uncovered
    d.tick("14:41")
    events = d.do("14:45", "a1", "presence.set", window=1, post="A", state="present")
    absence = plain(events[-1])
    assert absence["type"] == "absence.recorded"
    assert absence["started"] == "2026-11-30T14:30:00+08:00" and absence["late"] is True


def test_away_while_the_window_stands_uncovered_is_late_from_the_start() -> None:
    d = Day()
    d.tick("08:11")  # A-post off since opening: cover requested at 08:10
    d.do("08:15", "a1", "presence.set", window=1, post="A", state="away")
    events = d.do("08:16", "a1", "presence.set", window=1, post="A", state="present")
    assert plain(events[-1])["late"] is True


def test_a_transferred_ticket_is_not_flagged_overdue_back_in_time() -> None:
    d = Day()
    d.tick("08:00")
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.do("09:05", "boss", "ticket.call", window=1)
    d.do("09:40", "boss", "ticket.transfer", window=1, to_window=2)
    d.tick("09:41")
    (overdue,) = [e for e in d.log if plain(e)["type"] == "ticket.overdue"]
    assert plain(overdue)["at"] == "2026-11-30T09:40:00+08:00"
