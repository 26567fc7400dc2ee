"""Invariants over random commands, actors and time steps (hypothesis stateful testing)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hall.core import DomainError, State, Tick, evolve, execute, fold, initial_state, next_deadline
from hall.core import events as ev
from hall.core.alerts import current
from hall.core.events import TicketIssued, decode_event, encode_event
from hall.core.public import public_state
from hall.staffing.status import window_status
from tests.support.halls import make_hall

from .day import Day, actor, at, cmd

# b1 is the B-post of windows 1 and 2: one person, one cover at a time.
HALL = make_hall(
    shared_b=True,
    cover_after=timedelta(minutes=10),
    wait_sla=timedelta(minutes=20),
    arrival_grace=timedelta(minutes=2),
)
WINDOWS = st.integers(1, 3)
WHO = st.sampled_from(["admin", "boss", "a1", "b1", "a2", "a3", "b3", "kiosk", "pad1"])
STAFF = st.sampled_from(["a1", "b1", "a2", "a3", "b3"])

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
    st.builds(
        lambda w, t: cmd("window.close", window=w, transfer_to=t),
        WINDOWS,
        st.one_of(st.none(), WINDOWS),
    ),
    st.builds(lambda n: cmd("leave.cancel", leave=f"L{n}"), st.integers(1, 6)),
)


class HallMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.start = initial_state(HALL)
        self.now = at("07:50", date(2026, 11, 30))
        self.state, self.log = execute(HALL, self.start, Tick(), actor("system"), self.now)
        self.issued: set[tuple[date, str]] = set()
        self.walk: State = self.state  # the state event by event, for per-event checks
        self.opened: dict[int, object] = {}  # window -> when its current opening began
        self.on_leave: set[str] = set()

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
            self._check_event(e)
        self.log.extend(events)

    def _check_event(self, e: ev.Event) -> None:
        """Invariants about one event in the state it happens in."""
        w = self.walk.window(getattr(e, "window", 0))
        if isinstance(e, ev.CoverRequested):
            # every cover.requested follows a cover.needed of the same spell
            assert w is not None and w.cover_deadline is not None
        if isinstance(e, ev.WindowOpened):
            self.opened[e.window] = e.at
        if isinstance(e, ev.AbsenceRecorded):
            # no absence spans a closed period, nor runs while leave runs
            assert w is not None and w.phase != "closed"
            assert e.started >= self.opened[e.window]  # type: ignore[operator]
            assert e.staff not in self.on_leave
        if isinstance(e, ev.ArrivalLate):
            assert e.staff not in self.on_leave  # no lateness while registered leave runs
        if isinstance(e, ev.LeaveStarted):
            self.on_leave.add(e.staff)
        if isinstance(e, ev.LeaveEnded):
            self.on_leave.discard(e.staff)
        self.walk = evolve(self.walk, e)

    @rule(step=st.one_of(st.integers(0, 20 * 60), st.integers(0, 3 * 3600)))
    def time_passes(self, step: int) -> None:
        self.now += timedelta(seconds=step)
        self._apply(Tick(), "system")
        deadline = next_deadline(HALL, self.state)
        # (>=: a cover request waits until *more* than cover_after has passed)
        assert deadline is None or deadline >= self.now

    @rule(command=COMMANDS, who=WHO, step=st.integers(0, 120))
    def command(self, command: Any, who: str, step: int) -> None:
        self.now += timedelta(seconds=step)
        self._apply(command, who)

    @precondition(lambda self: bool(self.state.tickets))
    @rule(who=WHO)
    def call_somewhere(self, who: str) -> None:
        for n in (1, 2, 3):
            self._apply(cmd("ticket.call", window=n), who)

    @rule(
        staff=STAFF,
        offset=st.integers(-3 * 3600, 8 * 3600),
        length=st.integers(60, 10 * 3600),
        who=st.sampled_from(["boss", "admin", "a1"]),
    )
    def register_leave(self, staff: str, offset: int, length: int, who: str) -> None:
        start = self.now + timedelta(seconds=offset)
        until = start + timedelta(seconds=length)
        fields = {"from": start.isoformat(), "until": until.isoformat()}
        self._apply(cmd("leave.register", staff=staff, kind="leave", **fields), who)

    @precondition(lambda self: bool(current(HALL, self.state)))
    @rule(who=WHO, data=st.data())
    def ack_an_alert(self, who: str, data: st.DataObject) -> None:
        alert = data.draw(st.sampled_from(current(HALL, self.state)))
        self._apply(cmd("alert.ack", alert=alert.id), who)

    @rule(
        n=WINDOWS,
        post=st.sampled_from(["A", "B"]),
        state=st.sampled_from(["present", "away", "off"]),
    )
    def a_clerk_taps(self, n: int, post: str, state: str) -> None:
        """The post's own clerk taps (most presence changes in a real hall)."""
        wcfg = HALL.window(n)
        assert wcfg is not None
        who = wcfg.a if post == "A" else wcfg.b
        self.now += timedelta(seconds=30)
        self._apply(cmd("presence.set", window=n, post=post, state=state, reason=None), who)

    @rule(
        n=WINDOWS,
        away=st.integers(60, 30 * 60),
        cover=st.one_of(st.none(), st.integers(0, 20 * 60)),
        how=st.sampled_from(["away", "off"]),
    )
    def steps_away(self, n: int, away: int, cover: int | None, how: str) -> None:
        """An A-post present, then away or off for a while, perhaps covered, then back."""
        wcfg = HALL.window(n)
        assert wcfg is not None
        self._apply(cmd("presence.set", window=n, post="A", state="present"), wcfg.a)
        self.now += timedelta(seconds=60)
        self._apply(cmd("presence.set", window=n, post="A", state=how), wcfg.a)
        if cover is not None and cover < away:
            self.now += timedelta(seconds=cover)
            self._apply(cmd("cover.start", window=n), wcfg.b)
            away -= cover
        self.now += timedelta(seconds=away)
        self._apply(cmd("presence.set", window=n, post="A", state="present"), wcfg.a)

    @precondition(lambda self: self.now.hour >= 17)
    @rule(days=st.integers(1, 3))
    def nights_pass(self, days: int) -> None:
        self.now = at("07:50", self.now.date() + timedelta(days=days))
        self._apply(Tick(), "system")

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
    def a_person_covers_at_most_one_window(self) -> None:
        covering = [w.b.staff for w in self.state.windows if w.b.state == "covering"]
        assert len(covering) == len(set(covering))

    @invariant()
    def an_absence_only_after_arrival_and_never_on_leave(self) -> None:
        for w in self.state.windows:
            if w.absence is not None:
                assert w.arrived and w.phase != "closed"
                assert self.state.on_leave(w.a.staff) is None

    @invariant()
    def alerts_are_only_current(self) -> None:
        for alert in current(HALL, self.state):
            w = self.state.window(alert.window or 0)
            if alert.kind != "overdue":
                assert w is not None and not w.attended and w.phase != "closed"

    @invariant()
    def the_log_rebuilds_the_state(self) -> None:
        assert fold(self.start, self.log) == self.state == self.walk

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
