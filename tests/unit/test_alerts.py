"""The director's alerts as live issues (DESIGN 3): derived from the state, each gone the
moment its cause is; `alert.ack` records who saw it. And what public screens may show."""

from __future__ import annotations

import pytest

from hall.core import Refused, fold, initial_state
from hall.core.alerts import current
from hall.core.public import public_state
from tests.support.halls import make_hall

from .day import Day


def ids(d: Day) -> list[tuple[str, int | None]]:
    return [(a.kind, a.window) for a in current(d.hall, d.state)]


def staffed_day() -> Day:
    d = Day()
    for n in (1, 2, 3):
        d.do("07:59", f"a{n}", "presence.set", window=n, post="A", state="present")
    d.tick("08:00")
    return d


def test_an_uncovered_window_is_an_alert_until_someone_is_there() -> None:
    d = staffed_day()
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.tick("09:10")
    assert ids(d) == []  # away under the deadline: no alert yet
    d.tick("09:11")
    assert ids(d) == [("uncovered", 1)]
    (alert,) = current(d.hall, d.state)
    assert (alert.staff, alert.a_staff, alert.escalated) == ("b1", "a1", False)
    d.tick("09:13")
    assert current(d.hall, d.state)[0].escalated is True
    d.do("09:14", "b1", "cover.start", window=1)
    assert ids(d) == []  # resolved by itself


def test_overdue_residents_until_called() -> None:
    d = staffed_day()
    d.do("09:00", "kiosk", "ticket.issue", service="A")
    d.tick("09:31")
    assert ids(d) == [("overdue", None)]
    d.do("09:32", "a1", "ticket.call", window=1)
    assert ids(d) == []


def test_ack_records_who_and_keeps_the_alert_while_its_cause_lasts() -> None:
    d = staffed_day()
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.tick("09:11")
    (alert,) = current(d.hall, d.state)
    (acked,) = d.do("09:11:30", "boss", "alert.ack", alert=alert.id)
    assert (acked.alert, acked.by) == (alert.id, "boss")
    (still,) = current(d.hall, d.state)
    assert still.id == alert.id and still.acked
    assert d.do("09:11:40", "boss", "alert.ack", alert=alert.id) == []  # once
    d.do("09:13", "a1", "presence.set", window=1, post="A", state="present")
    with pytest.raises(Refused) as err:
        d.do("09:14", "boss", "alert.ack", alert=alert.id)
    assert err.value.code == "no_alert"


def test_a_new_spell_is_a_new_alert() -> None:
    d = staffed_day()
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.tick("09:11")
    first = current(d.hall, d.state)[0].id
    d.do("09:12", "a1", "presence.set", window=1, post="A", state="present")
    d.do("10:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.tick("10:11")
    assert current(d.hall, d.state)[0].id != first


def test_nothing_resolved_shows_after_a_restart_either() -> None:
    d = staffed_day()
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="break")
    d.tick("09:11")
    d.do("09:12", "a1", "presence.set", window=1, post="A", state="present")
    rebuilt = fold(initial_state(d.hall), d.log)  # a hub starting from the log
    assert current(d.hall, rebuilt) == []


def test_a_fresh_hall_has_no_alerts_until_it_opens() -> None:
    d = Day()
    assert ids(d) == []


@pytest.mark.parametrize("detail", [False, True])
def test_public_screens_show_status_not_reasons_or_minutes(detail: bool) -> None:
    d = Day(make_hall(public_detail=detail))
    d.do("07:59", "a1", "presence.set", window=1, post="A", state="present")
    d.tick("08:00")
    d.do("09:00", "a1", "presence.set", window=1, post="A", state="away", reason="field")
    public = public_state(d.hall, d.state, d.now("09:05"), "0-0", detail=False)
    w1 = public["windows"][0]
    assert w1["status"] == "away"
    assert ("reason" in w1["a"], "cover" in w1) == (detail, detail)
    assert (w1["a"]["since"] is not None) is detail
    assert ("alerts" in public) is detail
    staff = public_state(d.hall, d.state, d.now("09:05"), "0-0")
    assert staff["windows"][0]["a"]["reason"] == "field"
    assert staff["windows"][0]["cover"]["deadline"] == d.now("09:10")
