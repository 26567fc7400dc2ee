"""The books: the ledger's day rows kept in the records database, computed once per past day
and read back after (I/O; the folds themselves are `hall.records.ledger`).

- **A day** is the hall's local day, midnight to midnight (from its `day.started`): its
  events are those whose `at` falls in it (a time rule's event carries its due time).
- **Sealed days.** A past day is folded once from the archive's events and stored as day
  rows of kinds `staff-day` (key: staff id) and `service-day` (key: service code), each
  kind with its seal (key `#`) holding the day's `fingerprint`. A day is sealed only once
  the archive holds an event stamped on a later day: the log is in order, so by then the
  archive holds the whole day. A day not closed yet (today; a day the archive is still
  catching up on) is folded live on every read, never stored.
- **Recomputed.** A read compares each sealed day's fingerprint with the one it expects
  now (the fold's version, the hall file's parts it reads, the statuses of that day's
  records from appeals, which are logged on later days and carry the record's `day`); a
  mismatch folds the day again and stores it in place of the old rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import msgspec

from hall.config import HallConfig
from hall.core.events import decode_event
from hall.core.model import RecordStatus
from hall.records.archive import Archive, ArchivedEvent, pages
from hall.records.leave import LEAVE_TYPES, LeaveSpan
from hall.records.leave import leave_spans as spans_of
from hall.records.ledger import DayLedger, Logged, fingerprint, fold_day
from hall.records.rows import ServiceDay, StaffDay
from hall.records.trails import APPEAL_TYPES, Appeal, trails
from hall.schedule import day_start, hall_day

log = logging.getLogger(__name__)

STAFF_DAY = "staff-day"
SERVICE_DAY = "service-day"
SEAL = "#"  # the seal's key among a day's rows (staff ids and service codes never hold it)
PAGE = 5000
FETCH_DAYS = 7  # days to fold whose events are read in one go (a busy hall: ~3,000 a day)


class Seal(msgspec.Struct, frozen=True):
    fingerprint: str


_seal = msgspec.json.Decoder(Seal)
_staff_day = msgspec.json.Decoder(StaffDay)
_service_day = msgspec.json.Decoder(ServiceDay)
_encode = msgspec.json.Encoder().encode


def decoded(events: Sequence[ArchivedEvent]) -> list[Logged]:
    """Archived events as the core's records, with their stream ids; one that does not
    decode (damaged, or of a type this hall does not know) is skipped and logged."""
    out: list[Logged] = []
    for event in events:
        try:
            out.append((event.id, decode_event(event.data)))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("records: event %s (%s) skipped: %s", event.id, event.type, exc)
    return out


@dataclass
class Books:
    """One read of a hall's books at `now` (the hub's clock): its appeals and leave are
    fetched once and shared by the days it folds."""

    archive: Archive
    hall: HallConfig
    now: datetime
    live: bool = False
    """Whether a day was folded live (today, or a day not closed yet): the figures may
    still change."""
    _appeals: list[Appeal] | None = field(default=None, repr=False)
    _appeals_from: date = field(default=date.max, repr=False)
    _leaves: list[LeaveSpan] | None = field(default=None, repr=False)
    _closed_until: date | None = field(default=None, repr=False)  # this day and before: closed
    _open_from: date | None = field(default=None, repr=False)  # this day and after: not yet

    @property
    def today(self) -> date:
        return hall_day(self.hall, self.now)

    def start(self, day: date) -> datetime:
        return day_start(self.hall, day)

    async def events(
        self, first: date, last: date, types: Sequence[str] | None = None
    ) -> list[Logged]:
        """The hall's events stamped from `first` to `last` (inclusive), in log order."""
        found: list[ArchivedEvent] = []
        since, before = self.start(first), self.start(last + timedelta(days=1))
        async for page in pages(
            self.archive, self.hall.id, since=since, before=before, size=PAGE, types=types
        ):
            found += page
        return decoded(found)

    # -- appeals and leave ------------------------------------------------------------------

    async def appeals(self, first: date) -> list[Appeal]:
        """Every appeal of a record of `first` or later, with its decision if any (appeals
        are logged after their record, so from `first` on)."""
        if self._appeals is None or self._appeals_from > first:
            found: list[ArchivedEvent] = []
            since = self.start(first)
            async for page in pages(
                self.archive, self.hall.id, since=since, size=PAGE, types=APPEAL_TYPES
            ):
                found += page
            self._appeals, self._appeals_from = trails(decoded(found)), first
        return [a for a in self._appeals if a.day >= first]

    async def statuses(self, first: date, last: date) -> dict[date, dict[str, RecordStatus]]:
        """Per day, the statuses of its records that were appealed (others stand)."""
        out: dict[date, dict[str, RecordStatus]] = {}
        for a in await self.appeals(first):
            if a.day <= last:
                out.setdefault(a.day, {})[a.record] = a.status
        return out

    async def leaves(self) -> list[LeaveSpan]:
        """The hall's leave as it ran, up to today (leave events are few: all of them)."""
        if self._leaves is None:
            found: list[ArchivedEvent] = []
            before = self.start(self.today + timedelta(days=1))
            async for page in pages(
                self.archive, self.hall.id, before=before, size=PAGE, types=LEAVE_TYPES
            ):
                found += page
            self._leaves = spans_of(decoded(found))
        return self._leaves

    # -- days -------------------------------------------------------------------------------

    async def closed(self, day: date) -> bool:
        """Whether the archive holds all of `day`: an event stamped on a later day."""
        if day >= self.today or (self._open_from is not None and day >= self._open_from):
            return False
        if self._closed_until is not None and day <= self._closed_until:
            return True
        later = await self.archive.events(
            self.hall.id, since=self.start(day + timedelta(days=1)), limit=1
        )
        if later:
            self._closed_until = day
        else:
            self._open_from = day  # and every day after it
        return bool(later)

    async def fold(
        self, day: date, statuses: dict[str, RecordStatus], events: Sequence[Logged]
    ) -> DayLedger:
        """The day folded from its events; stored (sealed) when the day is closed."""
        until = self.now if day == self.today else None
        ledger = fold_day(
            self.hall, day, events, statuses=statuses, leaves=await self.leaves(), until=until
        )
        if not await self.closed(day):
            self.live = True
            return ledger
        seal = {SEAL: _encode(Seal(fingerprint(self.hall, statuses)))}
        staff = {key: _encode(row) for key, row in ledger.staff.items()}
        services = {key: _encode(row) for key, row in ledger.services.items()}
        await self.archive.put_rows(self.hall.id, STAFF_DAY, day, staff | seal, replace=True)
        await self.archive.put_rows(self.hall.id, SERVICE_DAY, day, services | seal, replace=True)
        return ledger

    async def _fold_days(
        self, days: list[date], statuses: dict[date, dict[str, RecordStatus]]
    ) -> dict[date, DayLedger]:
        """Each of `days` (ascending) folded from the archive: their events read a few days
        at a time (a run of empty days costs one query, a busy week a few pages)."""
        out: dict[date, DayLedger] = {}
        for run in _runs(days, FETCH_DAYS):
            by_day: dict[date, list[Logged]] = {}
            for logged in await self.events(run[0], run[-1]):
                by_day.setdefault(hall_day(self.hall, logged[1].at), []).append(logged)
            for day in run:
                out[day] = await self.fold(day, statuses.get(day, {}), by_day.get(day, []))
        return out

    async def _days(
        self, kind: str, first: date, last: date
    ) -> tuple[dict[date, list[bytes]], dict[date, DayLedger]]:
        """From `first` to `last` (and not after today): the sealed days' rows of `kind` as
        stored (JSON), and the other days folded now."""
        last = min(last, self.today)
        if first > last:
            return {}, {}
        statuses = await self.statuses(first, last)
        stored: dict[date, dict[str, bytes]] = {}
        for row in await self.archive.rows(self.hall.id, kind, first, last):
            stored.setdefault(row.day, {})[row.key] = row.data
        sealed: dict[date, list[bytes]] = {}
        to_fold: list[date] = []
        day = first
        while day <= last:
            held = stored.get(day, {})
            seal = held.pop(SEAL, None)
            expected = fingerprint(self.hall, statuses.get(day, {}))
            if day < self.today and seal is not None and _seal.decode(seal).fingerprint == expected:
                sealed[day] = list(held.values())
            else:
                to_fold.append(day)
            day += timedelta(days=1)
        if to_fold:  # one look tells whether every past day to fold is closed
            await self.closed(min(last, self.today - timedelta(days=1)))
        return sealed, await self._fold_days(to_fold, statuses)

    async def staff_days(self, first: date, last: date) -> list[StaffDay]:
        """Every clerk's day rows from `first` to `last` (days after today have none)."""
        sealed, folded = await self._days(STAFF_DAY, first, last)
        out = [_staff_day.decode(data) for rows in sealed.values() for data in rows]
        out += [row for ledger in folded.values() for row in ledger.staff.values()]
        return sorted(out, key=lambda r: (r.day, r.staff))

    async def service_days(self, first: date, last: date) -> list[ServiceDay]:
        """Every service's day rows from `first` to `last` (days after today have none)."""
        sealed, folded = await self._days(SERVICE_DAY, first, last)
        out = [_service_day.decode(data) for rows in sealed.values() for data in rows]
        out += [row for ledger in folded.values() for row in ledger.services.values()]
        return sorted(out, key=lambda r: (r.day, r.service))


def _runs(days: list[date], longest: int) -> list[list[date]]:
    """`days` (ascending) cut into runs of consecutive days, each at most `longest` long."""
    runs: list[list[date]] = []
    for day in days:
        if runs and len(runs[-1]) < longest and runs[-1][-1] + timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs
