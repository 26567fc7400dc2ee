"""Replay from the records database (hall/records/replay.py), each test on a SQLite file and
on a PostgreSQL server: three days of the test hall driven through the core (the `Day`
driver, as a hub would), archived as the archiver would, then replayed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import msgspec
import pytest

from hall.core import State, encode_event, evolve, initial_state
from hall.core.events import event_type
from hall.core.public import public_state
from hall.records.archive import Archive, ArchivedEvent, archived_event
from hall.records.replay import START, TIMELINE, DayStart, Replay
from hall.records.timeline import day_timeline
from tests.unit.day import HALL, MONDAY, Day, at

pytestmark = pytest.mark.anyio

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)


class Driven:
    """Three days at the test hall, with the state the hall had at chosen moments."""

    def __init__(self) -> None:
        self.day = Day()
        self.seen: dict[datetime, State] = {}

    def moment(self, day: date, hhmmss: str, ms: int = 0) -> datetime:
        """Tick the hall to `hhmmss` (and `ms`) of `day` and keep its state then."""
        self.day.day = day
        when = at(hhmmss, day) + timedelta(milliseconds=ms)
        self.day.tick(when)
        self.seen[when] = self.day.state
        return when

    def archived(self) -> list[ArchivedEvent]:
        out: list[ArchivedEvent] = []
        last = (0, -1)
        for event in self.day.log:
            ms = int(event.at.timestamp() * 1000)
            last = (ms, 0) if ms > last[0] else (last[0], last[1] + 1)
            out.append(
                archived_event(f"{last[0]}-{last[1]}", event_type(event), encode_event(event))
            )
        return out


def drive() -> Driven:
    d = Driven()
    day = d.day
    for when, window in (("07:58", 1), ("07:59", 2)):
        day.do(when, f"a{window}", "presence.set", window=window, post="A", state="present")
    d.moment(MONDAY, "08:00:30")
    for when in ("08:10", "08:11", "08:12:30"):
        day.do(when, "kiosk", "ticket.issue", service="A")
    day.do("08:20", "a1", "ticket.call", window=1)
    d.moment(MONDAY, "08:20:00")  # the instant of the call: it is in
    day.do("09:00", "a2", "presence.set", window=2, post="A", state="away", reason="meeting")
    d.moment(MONDAY, "09:15")  # window 2 uncovered since 09:10
    day.do("09:20", "b2", "cover.start", window=2)
    day.do("09:40", "a1", "ticket.finish", window=1)
    d.moment(MONDAY, "09:40:00", ms=500)
    d.moment(MONDAY, "17:45")
    day.day = TUESDAY
    day.do("08:05", "a3", "presence.set", window=3, post="A", state="present")  # late
    day.do("08:30", "kiosk", "ticket.issue", service="B")
    d.moment(TUESDAY, "08:31")
    day.do("08:40", "a3", "ticket.call", window=3)
    d.moment(TUESDAY, "12:30")
    day.day = WEDNESDAY
    day.do("07:50", "a1", "presence.set", window=1, post="A", state="present")
    d.moment(WEDNESDAY, "10:00")
    return d


@pytest.fixture
def driven() -> Driven:
    return drive()


async def test_a_replay_is_the_state_the_hall_had_then(archive: Archive, driven: Driven) -> None:
    await archive.append(HALL.id, driven.archived())
    replay = Replay(archive, HALL)
    for when, state in driven.seen.items():
        moment = await replay.at(when)
        assert moment.state == state, when
        held = public_state(HALL, state, when, moment.last_id)
        assert public_state(HALL, moment.state, when, moment.last_id) == held
    # The last event folded names the version: the call at 08:20:00 is in at 08:20:00.
    call = await replay.at(at("08:20:00"))
    assert call.events[-1][1].at == at("08:20:00")
    assert event_type(call.events[-1][1]) == "ticket.called"
    assert call.last_id == call.events[-1][0]
    before = await replay.at(at("08:20") - timedelta(microseconds=1))
    assert before.state.window(1).a.state == "present"  # type: ignore[union-attr]
    assert [t.status for t in before.state.tickets] == ["waiting"] * 3


async def test_a_replay_folds_from_every_event_before_it(archive: Archive, driven: Driven) -> None:
    events = driven.archived()
    await archive.append(HALL.id, events)
    replay = Replay(archive, HALL)
    for when in (at("00:00"), at("12:00"), at("00:00", TUESDAY), at("08:40", TUESDAY)):
        state = initial_state(HALL)
        for logged in driven.day.log:
            if logged.at <= when:
                state = evolve(state, logged)
        assert (await replay.at(when)).state == state, when


async def test_day_starts_are_stored_and_reused(archive: Archive, driven: Driven) -> None:
    await archive.append(HALL.id, driven.archived())
    replay = Replay(archive, HALL)
    assert await replay.first_day() == MONDAY
    await replay.at(at("10:00", WEDNESDAY))
    stored = await archive.rows(HALL.id, START, MONDAY, WEDNESDAY)
    assert [r.day for r in stored] == [TUESDAY, WEDNESDAY]  # Monday starts from nothing
    tuesday = msgspec.json.decode(stored[0].data, type=DayStart)
    assert tuesday.state == driven.seen[at("17:45")]  # nothing happened after, that day
    monday = [e for e in driven.archived() if e.at_ms < _ms(at("00:00", TUESDAY))]
    assert tuesday.last_id == monday[-1].id
    # The two complete days' timelines were kept on the way.
    kept = await archive.rows(HALL.id, TIMELINE, MONDAY, WEDNESDAY)
    assert [r.day for r in kept] == [MONDAY, TUESDAY]

    # A stored start is what a replay starts from: mark Wednesday's and see the mark.
    marked = DayStart(msgspec.structs.replace(tuesday.state, serial=4242), "1-0")
    await archive.put_rows(HALL.id, START, WEDNESDAY, {"": msgspec.json.encode(marked)})
    again = Replay(archive, HALL)
    early = await again.at(at("06:00", WEDNESDAY))
    assert early.state.serial == 4242  # the mark, carried by Wednesday's day.started
    assert early.state.day == WEDNESDAY


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def test_a_start_is_kept_only_once_the_day_before_is_complete(
    archive: Archive, driven: Driven
) -> None:
    events = driven.archived()
    # The archive holds Monday and Tuesday up to 08:31 only (it trails the log).
    cut = at("08:31", TUESDAY)
    await archive.append(HALL.id, [e for e in events if e.at_ms < _ms(cut)])
    replay = Replay(archive, HALL)
    await replay.at(at("08:30", TUESDAY))
    assert [r.day for r in await archive.rows(HALL.id, START, MONDAY, WEDNESDAY)] == [TUESDAY]
    # Wednesday's start cannot be known yet: computed, not kept.
    early = await replay.at(at("06:00", WEDNESDAY))
    assert early.state.window(3).a.state == "present"  # type: ignore[union-attr]
    assert [r.day for r in await archive.rows(HALL.id, START, MONDAY, WEDNESDAY)] == [TUESDAY]


async def test_timelines_are_the_pure_fold_and_complete_days_are_kept(
    archive: Archive, driven: Driven
) -> None:
    await archive.append(HALL.id, driven.archived())
    replay = Replay(archive, HALL)
    now = at("10:00", WEDNESDAY)
    found = await replay.timelines(MONDAY, WEDNESDAY + timedelta(days=5), now)
    assert [t.day for t in found] == [MONDAY, TUESDAY, WEDNESDAY]  # not past today
    state = initial_state(HALL)
    for timeline in found:
        day = timeline.day
        events = [
            e
            for e in driven.day.log
            if at("00:00", day) <= e.at < at("00:00", day + timedelta(days=1))
        ]
        expected, state = day_timeline(HALL, day, state, events, now if day == WEDNESDAY else None)
        assert timeline == expected
    assert found[2].end == now  # today's, up to now
    kept = [r.day for r in await archive.rows(HALL.id, TIMELINE, MONDAY, WEDNESDAY)]
    assert kept == [MONDAY, TUESDAY]  # today's is never kept
    # Read back, a kept timeline is the same.
    assert await Replay(archive, HALL).timeline(MONDAY, now) == found[0]


async def test_nothing_archived_replays_the_hall_as_new(archive: Archive) -> None:
    replay = Replay(archive, HALL)
    moment = await replay.at(at("10:00"))
    assert moment.state == initial_state(HALL)
    assert (moment.last_id, moment.events) == ("0-0", ())
    assert await replay.first_day() is None
