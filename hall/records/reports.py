"""The records' reports: what the API, the exports and the director's pages read (I/O, over
`hall.records.books`). Each takes the records database, the hall's config and the hub's
`now`, and gives one JSON-encodable Struct (`msgspec.json.encode`):

- `attendance(archive, hall, month, now)`: the month's attendance sheet (Art. 17), a row
  per clerk (`Attendance`);
- `services(archive, hall, first, last, now)`: each service's figures over a range of days,
  and per day (`ServiceReport`);
- `staff_month(archive, hall, staff, month, now)`: one clerk's month, every day, every
  discipline record with its evidence events and its appeal's trail (`StaffMonth`);
- `tickets(archive, hall, first, last, now)`: every ticket of a range of days
  (`TicketReport`).

A `month` is any `date` in it. Days after `now` have nothing; today's figures are folded live
from the archive (it trails the log by about a second) and `live` says so. Ranges are
bounded by the caller (`MAX_DAYS` at the API). Every call raises ArchiveUnavailable when
the database does not answer.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import msgspec

from hall.config import HallConfig
from hall.records.archive import MAX_PART, Archive, ArchivedEvent, join_id, pages, split_id
from hall.records.books import PAGE, Books, decoded
from hall.records.ledger import Logged
from hall.records.rows import RecordEntry, Row, ServiceDay, ServiceTotals, StaffDay, StaffTotals
from hall.records.tickets import TICKET_TYPES, TicketRow, ticket_rows
from hall.records.totals import service_totals, staff_totals
from hall.records.trails import Appeal
from hall.schedule import hall_day
from hall.store.store import with_id

MAX_DAYS = 366  # the longest range a report takes (a year, leap or not)
EVIDENCE_TYPES = ("cover.needed", "cover.requested", "cover.escalated")


class Attendance(Row, frozen=True):
    """The month's attendance sheet (考勤表): a row per clerk of the hall file (every one,
    with nothing as zeros), then anyone else with records that month (a clerk since gone
    from the hall file), by id."""

    hall: str
    month: str
    """`YYYY-MM`."""
    first: date
    last: date
    at: datetime
    """When it was computed (the hub's clock)."""
    live: bool
    """Some day was folded live (today, or a day the archive is still catching up on): the
    figures may still change."""
    staff: tuple[StaffTotals, ...]


class ServiceReport(Row, frozen=True):
    """Each service's figures over `first`..`last` (every service of the hall file, then any
    other with tickets), and each service's days with tickets."""

    hall: str
    first: date
    last: date
    at: datetime
    live: bool
    services: tuple[ServiceTotals, ...]
    days: tuple[ServiceTotals, ...]
    """Per service per day (`first` = `last` = that day), by day then service."""


class RecordTrail(RecordEntry, frozen=True, kw_only=True):
    """A discipline record with all that stands behind it."""

    day: date
    appeal: Appeal | None = None
    """Its appeal (filed, decided, reasons, by whom), if it was appealed."""
    events: tuple[msgspec.Raw, ...] = ()
    """The record's own event and its evidence (`evidence`), as the log holds them (each
    with its `id`), in log order."""


class StaffMonth(Row, frozen=True):
    """One clerk's month: their sheet row, their days, their records."""

    hall: str
    staff: str
    name: str
    month: str
    first: date
    last: date
    at: datetime
    live: bool
    totals: StaffTotals
    days: tuple[StaffDay, ...]
    """Their days with something in them."""
    records: tuple[RecordTrail, ...]
    """Every discipline record of theirs that month (voided ones too), in time order."""


class TicketReport(Row, frozen=True):
    hall: str
    first: date
    last: date
    at: datetime
    live: bool
    tickets: tuple[TicketRow, ...]
    """By day, then issue time."""


def month_days(month: date) -> tuple[date, date]:
    """The first and last day of `month`'s month."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _name(hall: HallConfig, staff: str) -> str:
    person = hall.person(staff)
    return person.name if person is not None else staff


def _number(hall: HallConfig, staff: str) -> str:
    person = hall.person(staff)
    return person.number if person is not None else ""


def sheet(hall: HallConfig, first: date, last: date, days: Iterable[StaffDay]) -> list[StaffTotals]:
    """The attendance sheet's rows from day rows: the hall file's clerks in its order
    (zeros when they have no day), then anyone else with a day, by id. Pure."""
    by_staff: dict[str, list[StaffDay]] = {}
    for row in days:
        by_staff.setdefault(row.staff, []).append(row)
    clerks = [p.id for p in hall.staff if p.role == "clerk"]
    others = sorted(set(by_staff) - set(clerks))
    return [
        staff_totals(
            who, _name(hall, who), first, last, by_staff.get(who, ()), number=_number(hall, who)
        )
        for who in clerks + others
    ]


async def attendance(archive: Archive, hall: HallConfig, month: date, now: datetime) -> Attendance:
    first, last = month_days(month)
    books = Books(archive, hall, now)
    days = await books.staff_days(first, last)
    return Attendance(
        hall=hall.id,
        month=f"{first:%Y-%m}",
        first=first,
        last=last,
        at=now.astimezone(hall.tz),
        live=books.live,
        staff=tuple(sheet(hall, first, last, days)),
    )


async def services(
    archive: Archive, hall: HallConfig, first: date, last: date, now: datetime
) -> ServiceReport:
    books = Books(archive, hall, now)
    days = await books.service_days(first, last)
    by_service: dict[str, list[ServiceDay]] = {}
    for row in days:
        by_service.setdefault(row.service, []).append(row)
    codes = [s.code for s in hall.services]
    codes += sorted(set(by_service) - set(codes))
    return ServiceReport(
        hall=hall.id,
        first=first,
        last=last,
        at=now.astimezone(hall.tz),
        live=books.live,
        services=tuple(service_totals(c, first, last, by_service.get(c, ())) for c in codes),
        days=tuple(service_totals(r.service, r.day, r.day, (r,)) for r in days),
    )


async def staff_month(
    archive: Archive, hall: HallConfig, staff: str, month: date, now: datetime
) -> StaffMonth:
    first, last = month_days(month)
    books = Books(archive, hall, now)
    days = [row for row in await books.staff_days(first, last) if row.staff == staff]
    appeals = {(a.day, a.record): a for a in await books.appeals(first) if a.staff == staff}
    records: list[RecordTrail] = []
    for row in days:
        for entry in row.records:
            events = await _evidence(archive, hall.id, entry)
            records.append(
                RecordTrail(
                    **msgspec.structs.asdict(entry),
                    day=row.day,
                    appeal=appeals.get((row.day, entry.record)) if entry.record else None,
                    events=events,
                )
            )
    records.sort(key=lambda r: (r.start, r.record))
    name, number = _name(hall, staff), _number(hall, staff)
    return StaffMonth(
        hall=hall.id,
        staff=staff,
        name=name,
        month=f"{first:%Y-%m}",
        first=first,
        last=last,
        at=now.astimezone(hall.tz),
        live=books.live,
        totals=staff_totals(staff, name, first, last, days, number=number),
        days=tuple(days),
        records=tuple(records),
    )


async def tickets(
    archive: Archive, hall: HallConfig, first: date, last: date, now: datetime
) -> TicketReport:
    books = Books(archive, hall, now)
    today = books.today
    until = min(last, today)
    found: list[ArchivedEvent] = []
    if first <= until:
        since, before = books.start(first), books.start(until + timedelta(days=1))
        async for page in pages(
            archive, hall.id, since=since, before=before, size=PAGE, types=TICKET_TYPES
        ):
            found += page
    by_day: dict[date, list[Logged]] = {}
    for stream_id, event in decoded(found):
        by_day.setdefault(hall_day(hall, event.at), []).append((stream_id, event))
    rows: list[TicketRow] = []
    for day in sorted(by_day):
        rows += ticket_rows(day, by_day[day], over=day < today)
    return TicketReport(
        hall=hall.id,
        first=first,
        last=last,
        at=now.astimezone(hall.tz),
        live=until >= today,
        tickets=tuple(rows),
    )


def _before(stream_id: str) -> str | None:
    """The id just before `stream_id` (for an `after` that takes it in)."""
    ms, seq = split_id(stream_id)
    if seq:
        return join_id(ms, seq - 1)
    return join_id(ms - 1, MAX_PART) if ms else None


async def _evidence(archive: Archive, hall: str, entry: RecordEntry) -> tuple[msgspec.Raw, ...]:
    """The record's event and its evidence events, read back by their ids (one range of
    the few events of their types)."""
    wanted = {entry.event, *entry.evidence}
    ordered: Sequence[str] = sorted(wanted, key=split_id)
    out: list[msgspec.Raw] = []
    async for page in pages(
        archive,
        hall,
        after=_before(ordered[0]),
        until=ordered[-1],
        types=(entry.kind, *EVIDENCE_TYPES),
    ):
        out += [msgspec.Raw(with_id(e.id, e.data)) for e in page if e.id in wanted]
    return tuple(out)
