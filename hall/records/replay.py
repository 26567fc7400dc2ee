"""Replay: the hall as it was at any moment of a past day (or of today), from the archive.

The state at a moment is the state at the start of its day, evolved by the day's events
that happened by then (their `at`), in log order: the same `evolve` the hubs run, so a
replay shows what `GET /state` showed at that moment.

The state at the start of each day is kept as a day row (kind `state-start`): the first
archived day starts from `initial_state`, each later one from the day before's plus that
day's events, stored as they are computed. A replay therefore reads one day's events at
most. A day's start is stored only once the archive holds an event of that day or later
(so the day before is complete); until then it is computed and not kept. A whole day
folded on the way also leaves its timeline (kind `timeline`, see `hall.records.timeline`).

The log is never rewritten, so what is stored never goes stale. A log trimmed in Redis
before the archive began starts afresh from `initial_state` on the first archived day:
each day's `day.started` resets the windows and the tickets, so only leave and records
registered before the archive are missing there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

import msgspec
import msgspec.structs

from hall.config import HallConfig
from hall.core import AnyEvent, State, decode_event, evolve, initial_state
from hall.core.model import Post, WindowState
from hall.records.archive import Archive, pages
from hall.records.timeline import DayTimeline, day_timeline
from hall.schedule import day_start, hall_day

log = logging.getLogger(__name__)
T = TypeVar("T")

START = "state-start"  # day row kind: the state at the day's first instant
TIMELINE = "timeline"  # day row kind: a complete day's timeline
KEY = ""  # one row per day of each kind
NO_EVENT = "0-0"  # the version of a hall without events, as the store says it
_ONE_DAY = timedelta(days=1)
_MS = timedelta(milliseconds=1)

Logged = tuple[str, AnyEvent]  # (stream id, event)


class DayStart(msgspec.Struct, frozen=True):
    """The state at a day's first instant, and the id of the last event before it."""

    state: State
    last_id: str = NO_EVENT


@dataclass(frozen=True, slots=True)
class Moment:
    """The hall at `at`: its state, the id of the last event in it (`last_event_id`), and
    the day's events so far (for what a screen shows of the day: the wall's last calls)."""

    at: datetime
    state: State
    last_id: str
    events: tuple[Logged, ...]


_start_decoder = msgspec.json.Decoder(DayStart)
_timeline_decoder = msgspec.json.Decoder(DayTimeline)
_encoder = msgspec.json.Encoder()


class Replay:
    """Replays of one hall from its archive. Cheap to make: one per request is fine."""

    def __init__(self, archive: Archive, hall: HallConfig) -> None:
        self.archive = archive
        self.hall = hall
        self._first: tuple[date | None] | None = None

    # -- the moments -----------------------------------------------------------------------

    async def at(self, moment: datetime) -> Moment:
        """The hall at `moment` (an aware time; not checked against the clock)."""
        day = hall_day(self.hall, moment)
        start = await self.start(day)
        events = await self.day_events(day, until=moment)
        state = start.state
        for _, event in events:
            state = evolve(state, event)
        last_id = events[-1][0] if events else start.last_id
        return Moment(moment, fitted(self.hall, state), last_id, tuple(events))

    async def start(self, day: date) -> DayStart:
        """The state at the first instant of `day`."""
        first = await self.first_day()
        if first is None or day <= first:
            return DayStart(initial_state(self.hall))
        stored = await self._stored_start(day)
        if stored is not None:
            return stored
        base_day, base = await self._latest_start(first, day)
        keep = await self._archived_from(day_start(self.hall, day))
        while base_day < day:
            base = await self._through(base_day, base, keep=keep)
            base_day += _ONE_DAY
        return base

    async def timeline(self, day: date, now: datetime) -> DayTimeline:
        """The day's timeline; today's up to `now`. A complete day's is kept once made."""
        (found,) = await self.timelines(day, day, now)
        return found

    async def timelines(self, first: date, last: date, now: datetime) -> list[DayTimeline]:
        """The timelines of `first`..`last` (not past today), each day once, in order."""
        today = hall_day(self.hall, now)
        last = min(last, today)
        stored = {row.day: row.data for row in await self._rows(TIMELINE, first, last)}
        out: list[DayTimeline] = []
        carried: DayStart | None = None  # the next day's start, from the day just folded
        day = first
        while day <= last:
            kept = _decoded(_timeline_decoder, stored.get(day))
            if kept is not None:
                out.append(kept)
                carried = None
            else:
                start = carried or await self.start(day)
                until = now if day == today else None
                keep = day < today and await self._archived_from(
                    day_start(self.hall, day + _ONE_DAY)
                )
                timeline, carried = await self._fold_day(day, start, until, keep=keep)
                out.append(timeline)
            day += _ONE_DAY
        return out

    # -- the archive -----------------------------------------------------------------------

    async def first_day(self) -> date | None:
        """The day of the hall's first archived event (None: nothing archived)."""
        if self._first is None:
            first = await self.archive.events(self.hall.id, limit=1)
            at = datetime.fromtimestamp(first[0].at_ms / 1000, self.hall.tz) if first else None
            self._first = (at.date() if at is not None else None,)
        return self._first[0]

    async def day_events(self, day: date, until: datetime | None = None) -> list[Logged]:
        """The day's events in log order: those that happened from its first instant, before
        the next day's, and by `until` (inclusive) when given."""
        since = day_start(self.hall, day)
        before = day_start(self.hall, day + _ONE_DAY)
        if until is not None:
            before = min(before, until + _MS)  # `at` is kept to the millisecond: cut below
        out: list[Logged] = []
        async for page in pages(self.archive, self.hall.id, since=since, before=before):
            for archived in page:
                try:
                    event = decode_event(archived.data)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    log.warning("replay: event %s of hall %s is not one hall reads; skipped",
                                archived.id, self.hall.id)  # fmt: skip
                    continue
                if until is None or event.at <= until:
                    out.append((archived.id, event))
        return out

    async def _archived_from(self, moment: datetime) -> bool:
        """Whether the archive holds an event at `moment` or later (all before it are in)."""
        return bool(await self.archive.events(self.hall.id, since=moment, limit=1))

    async def _rows(self, kind: str, first: date, last: date) -> list[DayRowData]:
        return [
            DayRowData(row.day, row.data)
            for row in await self.archive.rows(self.hall.id, kind, first, last)
            if row.key == KEY
        ]

    async def _stored_start(self, day: date) -> DayStart | None:
        rows = await self._rows(START, day, day)
        return _decoded(_start_decoder, rows[0].data) if rows else None

    async def _latest_start(self, first: date, day: date) -> tuple[date, DayStart]:
        """The latest stored start before `day` (and after `first`), else `first`'s. Starts
        are stored day after day from the first, so probing back 1, 2, 4, ... days and then
        halving the gap finds the latest in a few reads (any found one is a right start)."""
        hit: tuple[date, DayStart] | None = None
        miss = day
        step = 1
        while hit is None:
            probe = day - timedelta(days=step)
            if probe <= first:
                break
            found = await self._stored_start(probe)
            if found is not None:
                hit = (probe, found)
            else:
                miss, step = probe, step * 2
        if hit is None:
            low, base = first, DayStart(initial_state(self.hall))
            high = miss
        else:
            (low, base), high = hit, miss
        while (high - low).days > 1:
            middle = low + timedelta(days=(high - low).days // 2)
            found = await self._stored_start(middle)
            if found is not None:
                low, base = middle, found
            else:
                high = middle
        return low, base

    async def _through(self, day: date, start: DayStart, *, keep: bool) -> DayStart:
        """The next day's start from `day`'s, storing both it and `day`'s timeline."""
        _, after = await self._fold_day(day, start, None, keep=keep)
        return after

    async def _fold_day(
        self, day: date, start: DayStart, until: datetime | None, *, keep: bool
    ) -> tuple[DayTimeline, DayStart]:
        events = await self.day_events(day, until)
        timeline, state = day_timeline(self.hall, day, start.state, (e for _, e in events), until)
        after = DayStart(state, events[-1][0] if events else start.last_id)
        if keep and until is None:
            await self.archive.put_rows(
                self.hall.id, START, day + _ONE_DAY, {KEY: _encoder.encode(after)}
            )
            await self.archive.put_rows(
                self.hall.id, TIMELINE, day, {KEY: _encoder.encode(timeline)}
            )
        return timeline, after


@dataclass(frozen=True, slots=True)
class DayRowData:
    day: date
    data: bytes


def _decoded(decoder: msgspec.json.Decoder[T], data: bytes | None) -> T | None:
    """A stored row, or None when absent or written by another version of hall (it is
    then computed again)."""
    if data is None:
        return None
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def fitted(hall: HallConfig, state: State) -> State:
    """The state with every window the hall file has now (a window added since that day
    shows as it was: closed, nobody on it)."""
    missing = [w for w in hall.windows if state.window(w.number) is None]
    if not missing:
        return state
    added = tuple(WindowState(w.number, a=Post(w.a), b=Post(w.b)) for w in missing)
    return msgspec.structs.replace(state, windows=(*state.windows, *added))
