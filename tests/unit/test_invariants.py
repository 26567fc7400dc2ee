"""Invariants over random commands, actors and time steps (hypothesis stateful testing)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hall.core import DomainError, Tick, execute, fold, initial_state, next_deadline
from hall.core.events import TicketIssued, decode_event, encode_event
from hall.core.view import public_state
from hall.staffing.status import window_status

from .halls import Day, actor, at, cmd, make_hall

HALL = make_hall(cover_after=timedelta(minutes=10), wait_sla=timedelta(minutes=20))
WINDOWS = st.integers(1, 3)
WHO = st.sampled_from(["admin", "boss", "a1", "b1", "a2", "b2", "a3", "b3", "kiosk", "pad1"])

COMMANDS = st.one_of(
    st.builds(
        lambda w, p, s, r: cmd("presence.set", window=w, post=p, state=s, reason=r),
        WINDOWS,
        st.sampled_from(["A", "B"]),
        st.sampled_from(["present", "away", "off"]),
        st.sampled_from([None, "break", "meeting"]),
    ),
    st.builds(lambda w: cmd("cover.start", window=w), WINDOWS),
    st.builds(lambda w: cmd("cover.end", window=w), WINDOWS),
    st.builds(
        lambda s, p: cmd("ticket.issue", service=s, priority=p),
        st.sampled_from(["A", "B"]),
        st.booleans(),
    ),
    st.builds(lambda w: cmd("ticket.call", window=w), WINDOWS),
    st.builds(lambda w: cmd("ticket.recall", window=w), WINDOWS),
    st.builds(lambda w: cmd("ticket.finish", window=w), WINDOWS),
    st.builds(lambda w: cmd("ticket.no_show", window=w), WINDOWS),
    st.builds(lambda w, t: cmd("ticket.transfer", window=w, to_window=t), WINDOWS, WINDOWS),
    st.builds(lambda w, s: cmd("rating.give", window=w, score=s), WINDOWS, st.integers(1, 5)),
)


class HallMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.start = initial_state(HALL)
        self.now = at("07:50", date(2026, 11, 30))
        self.state, self.log = execute(HALL, self.start, Tick(), actor("system"), self.now)
        self.issued: set[tuple[date, str]] = set()

    def _apply(self, command: Any, who: str) -> None:
        before = self.state
        try:
            first = execute(HALL, self.state, command, actor(who), self.now)
        except DomainError:
            assert self.state == before
            return
        again = execute(HALL, before, command, actor(who), self.now)
        assert first == again  # decide is deterministic
        self.state, events = first
        for e in events:
            if isinstance(e, TicketIssued):
                key = (e.at.date(), e.ticket.number)
                assert key not in self.issued, f"{key} issued twice"
                self.issued.add(key)
        self.log.extend(events)

    @rule(step=st.integers(0, 3 * 3600))
    def time_passes(self, step: int) -> None:
        self.now += timedelta(seconds=step)
        self._apply(Tick(), "system")
        deadline = next_deadline(HALL, self.state)
        assert deadline is None or deadline > self.now

    @rule(command=COMMANDS, who=WHO, step=st.integers(0, 120))
    def command(self, command: Any, who: str, step: int) -> None:
        self.now += timedelta(seconds=step)
        self._apply(command, who)

    @precondition(lambda self: bool(self.state.tickets))
    @rule(who=WHO)
    def call_somewhere(self, who: str) -> None:
        for n in (1, 2, 3):
            self._apply(cmd("ticket.call", window=n), who)

    @invariant()
    def one_ticket_one_window(self) -> None:
        numbers = [t.number for t in self.state.tickets]
        assert len(numbers) == len(set(numbers))
        serving = [t.window for t in self.state.tickets if t.status == "called"]
        assert len(serving) == len(set(serving))
        for t in self.state.tickets:
            if t.status == "called" or t.transferred_at is not None:
                assert t.window is not None

    @invariant()
    def counts_never_negative(self) -> None:
        occ = public_state(HALL, self.state, self.now, "0-0")["occupancy"]
        assert all(v >= 0 for v in occ.values())
        assert occ["in_hall"] == occ["waiting"] + occ["being_served"]
        assert occ["staffed_windows"] <= occ["open_windows"] <= occ["windows"]

    @invariant()
    def covered_means_a_is_not_present(self) -> None:
        for w in self.state.windows:
            if window_status(w) == "covered" or w.b.state == "covering":
                assert w.a.state != "present"

    @invariant()
    def the_log_rebuilds_the_state(self) -> None:
        assert fold(self.start, self.log) == self.state

    @invariant()
    def the_log_read_back_from_json_rebuilds_it_too(self) -> None:
        # Hubs rebuild their copy from the stream's JSON, not from these objects.
        assert fold(self.start, (decode_event(encode_event(e)) for e in self.log)) == self.state


HallMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_hall_invariants = HallMachine.TestCase


def test_the_day_driver_agrees_with_the_machine() -> None:
    d = Day(HALL)
    assert d.state.day == date(2026, 11, 30)
