"""The ledger (seed Art. 17), pure: one day's events of a hall, in log order with their
stream ids, folded into a row per clerk (`StaffDay`) and per service (`ServiceDay`). No I/O
and no clock: the records database's reads and the sealing of past days are
`hall.records.books`.

Besides the day's events a fold takes what the day cannot tell by itself: the statuses of
the day's discipline records from appeals (which are logged on later days), the
registered leave running during the day (`hall.records.leave.leave_spans` of the hall's
leave events: a leave may have started days before), and, for a day still running, the
moment it is known up to.
`fingerprint` names what a stored day was computed from: when it changes (this fold's
version, the hall file's parts it reads, the day's appeal statuses), the day is computed
again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from hall.config import HallConfig
from hall.core import events as ev
from hall.core.events import AnyEvent
from hall.core.model import LeaveKind, RecordKind, RecordStatus
from hall.records.leave import LeaveSpan
from hall.records.rows import NO_RATINGS, RecordEntry, ServiceDay, StaffDay
from hall.records.totals import minutes_of, rated, satisfaction, tenth
from hall.schedule import day_start

# Raise when the fold's output changes for the same events: every stored day is computed
# again on its next read.
LEDGER_VERSION = 1

Logged = tuple[str, AnyEvent]  # (stream id, event)


@dataclass(frozen=True)
class DayLedger:
    staff: dict[str, StaffDay]  # by staff id, sorted
    services: dict[str, ServiceDay]  # by service code, sorted


def fingerprint(hall: HallConfig, statuses: Mapping[str, RecordStatus]) -> str:
    """What a day's rows were computed from, beyond its events: this fold's version, the
    hall file's parts it reads (time zone, each window's A-post) and the statuses of the
    day's records (`statuses` holds that day's only)."""
    parts = {
        "version": LEDGER_VERSION,
        "timezone": hall.timezone,
        "a_posts": [[w.number, w.a] for w in hall.windows],
        "statuses": sorted(statuses.items()),
    }
    return hashlib.sha256(msgspec.json.encode(parts)).hexdigest()[:20]


def fold_day(
    hall: HallConfig,
    day: date,
    events: Iterable[Logged],
    *,
    statuses: Mapping[str, RecordStatus] | None = None,
    leaves: Sequence[LeaveSpan] = (),
    until: datetime | None = None,
) -> DayLedger:
    """The day's rows from its events (those stamped on `day` in the hall's time zone, in
    log order). `statuses`: record id -> status from appeals (absent: standing); `leaves`:
    the hall's leave spans (those overlapping the day count); `until`: the moment the day
    is known up to (today: now), else its end."""
    fold = _Fold(hall, day, statuses or {}, until)
    for stream_id, event in events:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(fold, stream_id, event)
    return fold.finish(leaves)


# -- the fold's memory -------------------------------------------------------------------


@dataclass
class _Clerk:
    sessions_due: int = 0
    late_arrivals: int = 0
    late_arrival_minutes: float = 0.0
    absences: int = 0
    absence_minutes: float = 0.0
    late_absences: int = 0
    late_absence_minutes: float = 0.0
    records: list[RecordEntry] = field(default_factory=list)
    covers: int = 0
    cover_seconds: float = 0.0
    extended_minutes: float = 0.0
    served: int = 0
    service_seconds: float = 0.0
    ratings: tuple[int, int, int, int, int] = NO_RATINGS


@dataclass
class _Service:
    issued: int = 0
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    closed: int = 0
    sla_breaches: int = 0
    waits: list[int] = field(default_factory=list)
    service_times: list[int] = field(default_factory=list)


class _Fold:
    def __init__(
        self,
        hall: HallConfig,
        day: date,
        statuses: Mapping[str, RecordStatus],
        until: datetime | None,
    ) -> None:
        self.hall = hall
        self.day = day
        self.statuses = statuses
        self.start = day_start(hall, day)
        self.end = until or day_start(hall, day + timedelta(days=1))
        self.clerks: dict[str, _Clerk] = {}
        self.services: dict[str, _Service] = {}
        self.opened: list[int] = []  # the windows' `window.opened`, one per session
        self.a_posts: dict[int, str] = {}  # the A-post each window's events name
        self.steps: dict[int, list[tuple[datetime, str]]] = {}  # cover rule steps, by window
        self.covering: dict[int, tuple[str, datetime]] = {}  # window -> (B-post, since)
        self.called: set[str] = set()  # tickets called once already today
        self.sessions: list[tuple[datetime, datetime | None]] = []  # hall open .. closed

    def clerk(self, staff: str) -> _Clerk:
        found = self.clerks.get(staff)
        if found is None:
            found = self.clerks[staff] = _Clerk()
        return found

    def service(self, code: str) -> _Service:
        found = self.services.get(code)
        if found is None:
            found = self.services[code] = _Service()
        return found

    def record(
        self,
        stream_id: str,
        e: ev.ArrivalLate | ev.AbsenceRecorded,
        kind: RecordKind,
        start: datetime,
        end: datetime,
    ) -> RecordEntry:
        evidence = tuple(i for at, i in self.steps.get(e.window, ()) if start <= at <= end)
        entry = RecordEntry(
            record=e.record,
            kind=kind,
            event=stream_id,
            window=e.window,
            start=start,
            end=end,
            minutes=e.minutes,
            status=self.statuses.get(e.record, "standing") if e.record else "standing",
            evidence=evidence,
        )
        self.clerk(e.staff).records.append(entry)
        return entry

    def end_cover(self, window: int, at: datetime) -> None:
        running = self.covering.pop(window, None)
        if running is not None:
            staff, since = running
            self.clerk(staff).cover_seconds += max(0.0, (at - since).total_seconds())

    def finish(self, leaves: Sequence[LeaveSpan]) -> DayLedger:
        for window in list(self.covering):
            self.end_cover(window, self.end)
        for window in self.opened:
            cfg = self.hall.window(window)
            a_post = self.a_posts.get(window) or (cfg.a if cfg else None)
            if a_post is not None:
                self.clerk(a_post).sessions_due += 1
        leave = self._leave(leaves)
        staff = {
            who: row
            for who in sorted(set(self.clerks) | set(leave))
            if (row := self._staff_day(who, leave.get(who, {}))) is not None
        }
        services = {code: self._service_day(code) for code in sorted(self.services)}
        return DayLedger(staff, services)

    def _leave(self, leaves: Sequence[LeaveSpan]) -> dict[str, dict[LeaveKind, float]]:
        """Seconds of registered leave while the hall was open, by staff and kind."""
        out: dict[str, dict[LeaveKind, float]] = {}
        for span in leaves:
            for opened, closed in self.sessions:
                start = max(span.start, opened, self.start)
                end = min(span.end or self.end, closed or self.end, self.end)
                if end > start:
                    kinds = out.setdefault(span.staff, {})
                    kinds[span.kind] = kinds.get(span.kind, 0.0) + (end - start).total_seconds()
        return out

    def _staff_day(self, staff: str, leave: dict[LeaveKind, float]) -> StaffDay | None:
        c = self.clerks.get(staff) or _Clerk()
        row = StaffDay(
            staff=staff,
            day=self.day,
            sessions_due=c.sessions_due,
            late_arrivals=c.late_arrivals,
            late_arrival_minutes=tenth(c.late_arrival_minutes),
            absences=c.absences,
            absence_minutes=tenth(c.absence_minutes),
            late_absences=c.late_absences,
            late_absence_minutes=tenth(c.late_absence_minutes),
            records=tuple(c.records),
            leave_minutes=tenth(sum(leave.values()) / 60),
            leave={kind: tenth(seconds / 60) for kind, seconds in sorted(leave.items())},
            covers=c.covers,
            cover_minutes=tenth(c.cover_seconds / 60),
            extended_minutes=tenth(c.extended_minutes),
            served=c.served,
            service_minutes=tenth(c.service_seconds / 60),
            ratings=c.ratings,
            satisfaction=satisfaction(c.ratings),
        )
        return None if row == StaffDay(staff=staff, day=self.day) else row

    def _service_day(self, code: str) -> ServiceDay:
        s = self.services[code]
        wait_p50, wait_p90, wait_max = minutes_of(s.waits)
        service_p50, service_p90, service_max = minutes_of(s.service_times)
        return ServiceDay(
            service=code,
            day=self.day,
            issued=s.issued,
            served=s.served,
            no_shows=s.no_shows,
            transfers=s.transfers,
            closed=s.closed,
            sla_breaches=s.sla_breaches,
            wait_p50=wait_p50,
            wait_p90=wait_p90,
            wait_max=wait_max,
            service_p50=service_p50,
            service_p90=service_p90,
            service_max=service_max,
            waits=tuple(s.waits),
            service_times=tuple(s.service_times),
        )


# -- one handler per event type that counts ---------------------------------------------


def _window_opened(f: _Fold, _: str, e: ev.WindowOpened) -> None:
    f.opened.append(e.window)


def _presence(f: _Fold, _: str, e: ev.PresenceChanged) -> None:
    if e.post == "A":
        f.a_posts[e.window] = e.staff


def _cover_step(
    f: _Fold, stream_id: str, e: ev.CoverNeeded | ev.CoverRequested | ev.CoverEscalated
) -> None:
    f.steps.setdefault(e.window, []).append((e.at, stream_id))


def _arrival_late(f: _Fold, stream_id: str, e: ev.ArrivalLate) -> None:
    f.a_posts[e.window] = e.staff
    entry = f.record(stream_id, e, "arrival.late", e.opened, e.arrived)
    if entry.counted:
        c = f.clerk(e.staff)
        c.late_arrivals += 1
        c.late_arrival_minutes += e.minutes


def _absence(f: _Fold, stream_id: str, e: ev.AbsenceRecorded) -> None:
    f.a_posts[e.window] = e.staff
    c = f.clerk(e.staff)
    if e.late:
        entry = f.record(stream_id, e, "absence.recorded", e.started, e.ended)
        if not entry.counted:
            return  # voided: neither a late absence nor an absence any more
        c.late_absences += 1
        c.late_absence_minutes += e.minutes
    c.absences += 1
    c.absence_minutes += e.minutes


def _cover_started(f: _Fold, _: str, e: ev.CoverStarted) -> None:
    f.end_cover(e.window, e.at)
    f.covering[e.window] = (e.staff, e.at)
    f.clerk(e.staff).covers += 1


def _cover_ended(f: _Fold, _: str, e: ev.CoverEnded) -> None:
    f.end_cover(e.window, e.at)


def _window_closed(f: _Fold, _: str, e: ev.WindowClosed) -> None:
    f.end_cover(e.window, e.at)
    for staff, minutes in e.served_by.items():
        f.clerk(staff).extended_minutes += minutes


def _hall_opened(f: _Fold, _: str, e: ev.HallOpened) -> None:
    f.sessions.append((e.at, e.closes_at))


def _hall_closed(f: _Fold, _: str, e: ev.HallClosed) -> None:
    if f.sessions:
        opened, closes_at = f.sessions[-1]
        f.sessions[-1] = (opened, min(e.at, closes_at) if closes_at else e.at)


def _issued(f: _Fold, _: str, e: ev.TicketIssued) -> None:
    f.service(e.ticket.service).issued += 1


def _called(f: _Fold, _: str, e: ev.TicketCalled) -> None:
    if e.ticket.number in f.called:
        return  # called again after a transfer: the wait was measured at the first call
    f.called.add(e.ticket.number)
    wait = (e.at - e.ticket.issued_at).total_seconds()
    f.service(e.ticket.service).waits.append(max(0, round(wait)))


def _finished(f: _Fold, _: str, e: ev.TicketFinished) -> None:
    s = f.service(e.ticket.service)
    s.served += 1
    called = e.ticket.called_at
    seconds = max(0.0, (e.at - called).total_seconds()) if called else 0.0
    if called is not None:
        s.service_times.append(round(seconds))
    if e.staff is not None:
        c = f.clerk(e.staff)
        c.served += 1
        c.service_seconds += seconds


def _no_show(f: _Fold, _: str, e: ev.TicketNoShow) -> None:
    f.service(e.ticket.service).no_shows += 1


def _transferred(f: _Fold, _: str, e: ev.TicketTransferred) -> None:
    f.service(e.ticket.service).transfers += 1


def _closed(f: _Fold, _: str, e: ev.TicketClosed) -> None:
    f.service(e.ticket.service).closed += 1


def _overdue(f: _Fold, _: str, e: ev.TicketOverdue) -> None:
    f.service(e.ticket.service).sla_breaches += 1


def _rated(f: _Fold, _: str, e: ev.RatingGiven) -> None:
    if e.staff is not None:
        c = f.clerk(e.staff)
        c.ratings = rated(c.ratings, e.score)


_HANDLERS: dict[type[ev.Event], Callable[[_Fold, str, Any], None]] = {
    ev.WindowOpened: _window_opened,
    ev.PresenceChanged: _presence,
    ev.CoverNeeded: _cover_step,
    ev.CoverRequested: _cover_step,
    ev.CoverEscalated: _cover_step,
    ev.ArrivalLate: _arrival_late,
    ev.AbsenceRecorded: _absence,
    ev.CoverStarted: _cover_started,
    ev.CoverEnded: _cover_ended,
    ev.WindowClosed: _window_closed,
    ev.HallOpened: _hall_opened,
    ev.HallClosed: _hall_closed,
    ev.TicketIssued: _issued,
    ev.TicketCalled: _called,
    ev.TicketFinished: _finished,
    ev.TicketNoShow: _no_show,
    ev.TicketTransferred: _transferred,
    ev.TicketClosed: _closed,
    ev.TicketOverdue: _overdue,
    ev.RatingGiven: _rated,
}
