"""Tickets: numbering, call order, recall, finish, no-show, transfer, ratings, occupancy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hall.core import DomainError, Refused, decode_event
from hall.core.events import RatingGiven
from hall.core.public import public_state
from hall.queue.order import Place, ahead_of, place, ticket_number
from tests.support.halls import make_hall

from .day import HALL, Day, cmd, plain


def opened(**rules: Any) -> Day:
    d = Day(make_hall(**rules)) if rules else Day()
    for n in (1, 2, 3):
        d.do("07:59", f"a{n}", "presence.set", window=n, post="A", state="present")
    d.tick("08:00")
    return d


def issue(d: Day, when: str, service: str, priority: bool = False) -> str:
    (e,) = d.do(when, "kiosk", "ticket.issue", service=service, priority=priority)
    return str(e.ticket.number)


def called(d: Day, when: str, window: int, who: str = "boss") -> str:
    (e,) = d.do(when, who, "ticket.call", window=window)
    return str(e.ticket.number)


@pytest.mark.parametrize(
    ("service", "n", "number"),
    [("A", 1, "A001"), ("B", 42, "B042"), ("A", 999, "A999"), ("A", 1000, "A1000")],
)
def test_ticket_numbers(service: str, n: int, number: str) -> None:
    assert ticket_number(service, n) == number


def test_numbers_count_per_service_and_restart_each_day() -> None:
    d = opened()
    got = [issue(d, "09:00", s) for s in "AABAB"]
    assert got == ["A001", "A002", "B001", "A003", "B002"]
    tuesday = d.now("08:30") + timedelta(days=1)
    (e,) = d.run(cmd("ticket.issue", service="A"), "kiosk", tuesday)[-1:]
    assert e.ticket.number == "A001"
    assert d.state.day is not None and d.state.day.isoformat() == "2026-12-01"


@pytest.mark.parametrize(
    ("tickets", "window", "expected"),
    [
        # oldest first
        ([("A", False), ("A", False)], 1, ["A001", "A002"]),
        # priority before older ordinary tickets
        ([("A", False), ("A", True), ("A", False)], 1, ["A002", "A001", "A003"]),
        # a window calls only its services
        ([("B", False), ("A", False), ("B", False)], 1, ["A001"]),
        # window 2 serves A and B, in issue order across services
        ([("B", False), ("A", False)], 2, ["B001", "A001"]),
    ],
)
def test_call_order(tickets: list[tuple[str, bool]], window: int, expected: list[str]) -> None:
    d = opened()
    for i, (service, prio) in enumerate(tickets):
        issue(d, f"09:0{i}", service, prio)
    got = []
    for i in range(len(expected)):
        got.append(called(d, f"09:1{i}", window))
        d.do(f"09:1{i}:30", "boss", "ticket.finish", window=window)
    assert got == expected
    with pytest.raises(Refused) as err:
        d.do("09:20", "boss", "ticket.call", window=window)
    assert err.value.code == "no_ticket"


def test_call_while_busy_is_window_busy_never_a_silent_finish() -> None:
    d = opened()
    issue(d, "09:00", "A")
    issue(d, "09:01", "A")
    called(d, "09:02", 1)
    before = d.state
    with pytest.raises(Refused) as err:
        d.do("09:03", "a1", "ticket.call", window=1)
    assert err.value.code == "window_busy" and "A001" in err.value.message
    assert d.state == before


def test_one_ticket_never_at_two_windows() -> None:
    d = opened()
    issue(d, "09:00", "A")
    assert called(d, "09:01", 1) == "A001"
    with pytest.raises(Refused) as err:
        d.do("09:02", "a2", "ticket.call", window=2)
    assert err.value.code == "no_ticket"


@pytest.mark.parametrize("command", ["ticket.recall", "ticket.finish", "ticket.no_show"])
def test_nothing_to_act_on_is_no_ticket(command: str) -> None:
    d = opened()
    with pytest.raises(Refused) as err:
        d.do("09:00", "a1", command, window=1)
    assert err.value.code == "no_ticket"


def test_recall_at_most_three_times() -> None:
    d = opened()
    issue(d, "09:00", "A")
    called(d, "09:01", 1)
    for n in (1, 2, 3):
        (e,) = d.do(f"09:0{n + 1}", "a1", "ticket.recall", window=1)
        assert plain(e)["recalls"] == n and plain(e)["ticket"]["recalls"] == n
    with pytest.raises(Refused) as err:
        d.do("09:06", "a1", "ticket.recall", window=1)
    assert err.value.code == "recall_limit"


def test_finish_and_no_show_leave_the_queue() -> None:
    d = opened()
    issue(d, "09:00", "A")
    issue(d, "09:00:30", "A")
    called(d, "09:01", 1)
    (fin,) = d.do("09:05", "a1", "ticket.finish", window=1)
    assert plain(fin)["staff"] == "a1" and plain(fin)["ticket"]["status"] == "called"
    called(d, "09:06", 1)
    (ns,) = d.do("09:08", "a1", "ticket.no_show", window=1)
    assert plain(ns)["ticket"]["number"] == "A002"
    assert d.state.tickets == ()


def test_transfer_keeps_the_residents_place_at_the_target() -> None:
    d = opened()
    issue(d, "09:00", "A")  # A001: will be transferred from 1 to 3
    issue(d, "09:01", "B")  # B001 waits for window 3 (B)
    issue(d, "09:02", "B", priority=True)  # B002 priority
    called(d, "09:03", 1)
    (e,) = d.do("09:04", "a1", "ticket.transfer", window=1, to_window=3)
    t = plain(e)["ticket"]
    assert (t["status"], t["window"], plain(e)["to_window"]) == ("waiting", 3, 3)
    # only the target calls it, before its own tickets (even priority ones)
    assert ahead_of(d.state, HALL.windows, "A001") == 0
    assert called(d, "09:05", 2) == "B002"  # window 2 does not take the transferred A001
    assert called(d, "09:06", 3) == "A001"


@pytest.mark.parametrize(
    ("to", "code", "status"),
    [(1, "same_window", 409), (9, "unknown_window", 404)],
)
def test_transfer_refusals(to: int, code: str, status: int) -> None:
    d = opened()
    issue(d, "09:00", "A")
    called(d, "09:01", 1)
    before = d.state
    with pytest.raises(Exception) as err:
        d.do("09:02", "boss", "ticket.transfer", window=1, to_window=to)
    assert (err.value.code, err.value.status) == (code, status)  # type: ignore[attr-defined]
    assert d.state == before


def test_transfer_to_a_closed_window_is_refused() -> None:
    d = opened()
    issue(d, "11:50", "A")
    called(d, "11:51", 1)
    d.tick("12:00")  # window 1 extended (serving), 3 closed
    with pytest.raises(Refused) as err:
        d.do("12:01", "boss", "ticket.transfer", window=1, to_window=3)
    assert err.value.code == "window_closed"


def test_rating_goes_to_whoever_served_and_only_once() -> None:
    d = opened()
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away")
    d.do("09:01", "b1", "cover.start", window=1)
    issue(d, "09:02", "A")
    called(d, "09:03", 1, who="b1")
    d.do("09:10", "b1", "ticket.finish", window=1)
    (r,) = d.do("09:11", "pad1", "rating.give", window=1, score=5)
    assert plain(r)["staff"] == "b1" and plain(r)["score"] == 5
    assert plain(r)["ticket"]["number"] == "A001"
    with pytest.raises(Refused) as err:
        d.do("09:12", "pad1", "rating.give", window=1, score=1)
    assert err.value.code == "already_rated"


def test_a_low_rating_carries_its_reasons() -> None:
    d = opened()
    issue(d, "09:00", "A")
    called(d, "09:01", 1)
    d.do("09:02", "a1", "ticket.finish", window=1)
    reasons = ["long_wait", "not_done"]
    (r,) = d.do("09:03", "pad1", "rating.give", window=1, score=2, reasons=reasons)
    assert (plain(r)["score"], list(plain(r)["reasons"]), plain(r)["staff"]) == (2, reasons, "a1")


def test_a_rating_logged_before_reasons_existed_still_decodes() -> None:
    old = (
        b'{"type": "rating.given", "hall": "t", "at": "2026-11-30T09:03:00+08:00", "window": 1,'
        b' "ticket": {"number": "A001", "service": "A", "priority": false, "status": "called",'
        b' "issued_at": "2026-11-30T09:00:00+08:00", "window": 1, "recalls": 0},'
        b' "staff": "a1", "score": 5, "source": "pad"}'
    )
    event = decode_event(old)
    assert isinstance(event, RatingGiven) and event.reasons == ()


def test_rating_only_within_ten_minutes_of_finishing() -> None:
    d = opened()
    issue(d, "09:00", "A")
    called(d, "09:01", 1)
    d.do("09:02", "a1", "ticket.finish", window=1)
    with pytest.raises(Refused) as err:
        d.do("09:12:01", "pad1", "rating.give", window=1, score=4)
    assert err.value.code == "no_ticket"


def test_overdue_ticket_alerts_once_at_the_sla() -> None:
    d = opened()
    issue(d, "09:00", "A")
    assert d.tick("09:29") == []
    (e,) = d.tick("09:45")
    assert plain(e)["type"] == "ticket.overdue"
    assert plain(e)["at"] == "2026-11-30T09:30:00+08:00"
    assert d.tick("10:30") == []


def test_public_state_and_occupancy() -> None:
    d = opened()
    d.do("09:00", "a2", "presence.set", window=2, post="A", state="away", reason="break")
    for s in "AAB":
        issue(d, "09:01", s)
    called(d, "09:02", 1)
    view = public_state(d.hall, d.state, d.now("09:03"), "1-0")
    assert view["open"] is True
    assert view["occupancy"] == {
        "in_hall": 3,
        "waiting": 2,
        "being_served": 1,
        "staffed_windows": 2,
        "open_windows": 3,
        "windows": 3,
    }
    assert [t.number for t in view["queue"]] == ["A001", "A002", "B001"]
    w1, w2, w3 = view["windows"]
    assert w1["serving"].number == "A001" and w1["waiting"] == 1
    assert w2["status"] == "away" and w2["a"]["reason"] == "break" and w2["waiting"] == 2
    assert w3["waiting"] == 1
    assert w1["a"]["name"] == "A1"


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("a1", "forbidden", 403),  # the clerk who served: staff cannot rate
        ("b1", "forbidden", 403),
        ("boss", "forbidden", 403),
        ("pad2", "forbidden", 403),  # another window's pad
        ("kiosk", "forbidden", 403),
        ("resident:A002", "no_ticket", 409),  # another resident's key
    ],
)
def test_who_may_not_rate(who: str, code: str, status: int) -> None:
    d = opened()
    issue(d, "09:00", "A")
    called(d, "09:01", 1)
    d.do("09:05", "a1", "ticket.finish", window=1)
    before = d.state
    with pytest.raises(DomainError) as err:
        d.do("09:06", who, "rating.give", window=1, score=5)
    assert (err.value.code, err.value.status) == (code, status)
    assert d.state == before


def test_a_resident_rates_their_own_ticket_later_from_their_phone() -> None:
    d = opened()
    for n in ("09:00", "09:01"):
        issue(d, n, "A")
    called(d, "09:02", 1)
    d.do("09:05", "a1", "ticket.finish", window=1)  # A001
    called(d, "09:06", 1)
    d.do("09:08", "a1", "ticket.finish", window=1)  # A002: the pad now rates this one
    (r,) = d.do("09:09", "resident:A001", "rating.give", window=1, score=2)
    assert (plain(r)["ticket"]["number"], plain(r)["source"]) == ("A001", "ticket")
    assert plain(r)["staff"] == "a1"
    (pad,) = d.do("09:10", "pad1", "rating.give", window=1, score=5)
    assert (plain(pad)["ticket"]["number"], plain(pad)["source"]) == ("A002", "pad")
    with pytest.raises(Refused) as err:
        d.do("09:11", "resident:A001", "rating.give", window=1, score=5)
    assert err.value.code == "already_rated"


def test_transfer_to_a_window_nobody_staffs_only_by_the_director() -> None:
    d = opened()
    issue(d, "09:00", "A")
    issue(d, "09:00", "A")
    called(d, "09:01", 1)
    d.do("09:02", "a3", "presence.set", window=3, post="A", state="off")
    with pytest.raises(Refused) as err:
        d.do("09:03", "a1", "ticket.transfer", window=1, to_window=3)
    assert err.value.code == "target_unstaffed"
    d.do("09:03", "boss", "ticket.transfer", window=1, to_window=3)


def test_calling_at_a_closed_window_is_refused() -> None:
    d = Day()
    d.tick("11:00")
    d.do("11:00", "a1", "presence.set", window=1, post="A", state="present")
    d.do("11:30", "kiosk", "ticket.issue", service="A")
    d.do("11:31", "a2", "presence.set", window=2, post="A", state="present")
    d.tick("12:00")  # windows 1 and 2 extended (A001 waits), 3 closed
    with pytest.raises(Refused) as err:
        d.do("12:01", "a3", "ticket.call", window=3)
    assert err.value.code == "window_closed"


def test_the_place_of_a_ticket_is_the_queues_to_say() -> None:
    """One rule of "people ahead" (the slip and the resident's page show it): the fewest
    residents any window that may call the ticket will call first."""
    d = opened()
    for s in "BAAB":
        issue(d, "09:00", s)  # B001 A001 A002 B002
    called(d, "09:01", 3)  # window 3 (B) takes B001
    assert place(d.state, HALL.windows, "A002") == Place(1, (1, 2), {1: 1, 2: 1})  # A001 first
    assert place(d.state, HALL.windows, "B002") == Place(0, (2, 3), {2: 2, 3: 0})
    d.do("09:02", "boss", "ticket.transfer", window=3, to_window=1)
    assert place(d.state, HALL.windows, "B001") == Place(0, (1,), {1: 0})  # transferred: first
    assert place(d.state, HALL.windows, "Z999") is None
