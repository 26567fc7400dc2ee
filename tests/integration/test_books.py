"""The books against real databases (a SQLite file and a PostgreSQL server, the `archive`
fixture's two parameters): days played through the core, archived as the archiver would
(stream ids from their times), then read as the API reads them: sealed once closed,
recomputed when an appeal is decided on a later day or the hall file's parts the fold reads
change, today folded live and never stored."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
import pytest

from hall.config import HallConfig
from hall.records.archive import Archive
from hall.records.books import SEAL, SERVICE_DAY, STAFF_DAY, Seal
from hall.records.ledger import fingerprint
from hall.records.reports import attendance, services, staff_month, tickets
from hall.records.rows import StaffDay
from tests.support.records import as_archived
from tests.unit.day import HALL, MONDAY, Day, at, cmd
from tests.unit.steps import away, desk, issue, present

pytestmark = pytest.mark.anyio

TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)


class Log:
    """A hall's days played through the core; `archive` appends what is new since the last
    call to the records database."""

    def __init__(self, hall: HallConfig = HALL) -> None:
        self.day = Day(hall)
        self.written = 0
        self.last_id: str | None = None

    def do(self, day: date, when: str, who: str, kind: str, **fields: Any) -> None:
        self.day.run(cmd(kind, **fields), who, at(when, day))

    def play(self, day: date, steps: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        for when, who, kind, fields in steps:
            self.do(day, when, who, kind, **fields)

    def tick(self, day: date, when: str) -> None:
        self.day.tick(at(when, day))

    async def archive(self, archive: Archive) -> None:
        fresh = as_archived(self.day.log[self.written :], self.last_id)
        if fresh:
            await archive.append(self.day.hall.id, fresh)
            self.written, self.last_id = len(self.day.log), fresh[-1].id


LATE_MONDAY = [
    present("08:05"),
    away("09:00"),
    present("09:20:30"),
    issue("10:00"),
    desk("10:04", "call"),
    desk("10:10", "finish"),
    present("14:29"),
]


async def monday(archive: Archive, *, close: bool = True) -> Log:
    """Monday: a1 late by 5 minutes (R1), away 20.5 minutes uncovered (R2), one resident
    served; with `close`, the log goes on into Tuesday (so Monday is whole in the archive)."""
    log = Log()
    log.play(MONDAY, LATE_MONDAY)
    log.tick(MONDAY, "18:00")
    if close:
        log.tick(TUESDAY, "07:00")
    await log.archive(archive)
    return log


def row(sheet: Any, staff: str) -> Any:
    return next(r for r in sheet.staff if r.staff == staff)


async def seal_of(archive: Archive, kind: str, day: date) -> str | None:
    held = {r.key: r.data for r in await archive.rows(HALL.id, kind, day, day)}
    return msgspec.json.decode(held[SEAL], type=Seal).fingerprint if SEAL in held else None


async def test_a_closed_day_is_sealed_once_and_read_back(archive: Archive) -> None:
    await monday(archive)
    now = at("12:00", WEDNESDAY)
    sheet = await attendance(archive, HALL, MONDAY, now)
    a1 = row(sheet, "a1")
    assert (a1.late_arrivals, a1.late_arrival_minutes) == (1, 5.0)
    assert (a1.late_absences, a1.late_absence_minutes, a1.absences) == (1, 20.5, 1)
    assert (a1.served, a1.sessions_due, a1.days) == (1, 2, 1)
    assert (sheet.month, sheet.first, sheet.last) == ("2026-11", date(2026, 11, 1), MONDAY)
    assert not sheet.live
    # Sealed: Monday's rows and their seal are stored, and the next read takes them as they
    # are (changed behind the books' back, to show it).
    assert await seal_of(archive, STAFF_DAY, MONDAY) == fingerprint(HALL, {})
    assert await seal_of(archive, SERVICE_DAY, MONDAY) == fingerprint(HALL, {})
    stored = {r.key: r.data for r in await archive.rows(HALL.id, STAFF_DAY, MONDAY, MONDAY)}
    mark = msgspec.json.decode(stored["a1"], type=StaffDay)
    forged = msgspec.structs.replace(mark, served=7)
    await archive.put_rows(HALL.id, STAFF_DAY, MONDAY, {"a1": msgspec.json.encode(forged)})
    assert row(await attendance(archive, HALL, MONDAY, now), "a1").served == 7
    # Every earlier day is sealed too (with no rows); Tuesday is not: nothing after it yet.
    assert await seal_of(archive, STAFF_DAY, date(2026, 11, 1)) == fingerprint(HALL, {})
    assert await archive.rows(HALL.id, STAFF_DAY, date(2026, 11, 1), date(2026, 11, 1)) != []
    tuesday = await attendance(archive, HALL, TUESDAY, now)
    assert tuesday.live and await seal_of(archive, STAFF_DAY, TUESDAY) is None


async def test_a_day_the_archive_may_not_hold_whole_is_folded_not_sealed(
    archive: Archive,
) -> None:
    await monday(archive, close=False)  # nothing after Monday yet: the archive may trail
    sheet = await attendance(archive, HALL, MONDAY, at("12:00", WEDNESDAY))
    assert row(sheet, "a1").late_arrivals == 1
    assert sheet.live
    assert await archive.rows(HALL.id, STAFF_DAY, MONDAY, MONDAY) == []


async def test_today_is_folded_live_up_to_now_and_never_stored(archive: Archive) -> None:
    log = Log()
    log.play(
        MONDAY, [present("07:59"), away("09:00"), ("09:05", "b1", "cover.start", {"window": 1})]
    )
    log.tick(MONDAY, "09:20")
    await log.archive(archive)
    sheet = await attendance(archive, HALL, MONDAY, at("09:20", MONDAY))
    assert sheet.live
    assert (row(sheet, "b1").covers, row(sheet, "b1").cover_minutes) == (1, 15.0)
    assert await archive.rows(HALL.id, STAFF_DAY, MONDAY, MONDAY) == []
    # Later that day, with more in the log: the same read counts to the new now.
    log.tick(MONDAY, "09:30")
    await log.archive(archive)
    later = await attendance(archive, HALL, MONDAY, at("09:30", MONDAY))
    assert row(later, "b1").cover_minutes == 25.0


async def test_an_appeal_decided_on_a_later_day_recomputes_the_sealed_day(
    archive: Archive,
) -> None:
    log = await monday(archive)
    wednesday = at("12:00", WEDNESDAY)
    before = await attendance(archive, HALL, MONDAY, wednesday)
    assert row(before, "a1").late_arrivals == 1
    sealed = await seal_of(archive, STAFF_DAY, MONDAY)

    log.do(TUESDAY, "09:00", "a1", "appeal.file", record="R1", reason="地铁故障")
    await log.archive(archive)
    appealed = await attendance(archive, HALL, MONDAY, wednesday)
    assert (row(appealed, "a1").late_arrivals, row(appealed, "a1").appealed) == (1, 1)
    assert await seal_of(archive, STAFF_DAY, MONDAY) == fingerprint(HALL, {"R1": "appealed"})

    log.do(WEDNESDAY, "10:00", "boss", "appeal.decide", appeal="P1", upheld=False, reason="属实")
    await log.archive(archive)
    after = await attendance(archive, HALL, MONDAY, wednesday)
    a1 = row(after, "a1")
    assert (a1.late_arrivals, a1.late_arrival_minutes, a1.voided, a1.appealed) == (0, 0.0, 1, 0)
    assert a1.late_absences == 1  # R2 stands
    assert await seal_of(archive, STAFF_DAY, MONDAY) not in (sealed, None)

    month = await staff_month(archive, HALL, "a1", MONDAY, wednesday)
    r1, r2 = month.records
    assert (r1.record, r1.status, r1.day) == ("R1", "voided", MONDAY)
    assert r1.appeal is not None
    assert (r1.appeal.reason, r1.appeal.filed_by, r1.appeal.decision) == ("地铁故障", "a1", "属实")
    assert (r1.appeal.decided_by, r1.appeal.upheld) == ("boss", False)
    assert (r2.record, r2.status, r2.appeal) == ("R2", "standing", None)
    assert month.totals.late_arrivals == 0 and month.totals.voided == 1


async def test_a_changed_hall_file_part_the_fold_reads_recomputes(archive: Archive) -> None:
    """Window 2's A-post never came on Monday: its sessions are owed by the hall file's
    A-post. The hall file changes (a new A-post for window 2): the sealed day is folded again."""
    await monday(archive)
    now = at("12:00", WEDNESDAY)
    assert row(await attendance(archive, HALL, MONDAY, now), "a2").sessions_due == 2
    windows = tuple(
        msgspec.structs.replace(w, a="b3") if w.number == 2 else w for w in HALL.windows
    )
    changed = msgspec.structs.replace(HALL, windows=windows)
    sheet = await attendance(archive, changed, MONDAY, now)
    assert (row(sheet, "a2").sessions_due, row(sheet, "b3").sessions_due) == (0, 2)
    assert await seal_of(archive, STAFF_DAY, MONDAY) == fingerprint(changed, {})


async def test_a_clerks_month_carries_each_records_evidence(archive: Archive) -> None:
    await monday(archive)
    month = await staff_month(archive, HALL, "a1", MONDAY, at("12:00", WEDNESDAY))
    assert (month.staff, month.name, month.month) == ("a1", "A1", "2026-11")
    assert [d.day for d in month.days] == [MONDAY]
    arrival, absence = month.records
    for record in month.records:
        events = [json.loads(bytes(raw)) for raw in record.events]
        assert [e["id"] for e in events] == sorted(
            [record.event, *record.evidence], key=lambda i: tuple(map(int, i.split("-")))
        )
        assert events[-1]["type"] == record.kind and events[-1]["record"] == record.record
    kinds = [json.loads(bytes(raw))["type"] for raw in absence.events]
    assert kinds == ["cover.needed", "cover.requested", "cover.escalated", "absence.recorded"]
    assert arrival.kind == "arrival.late" and arrival.minutes == 5.0
    # Someone else's month holds none of it.
    assert (await staff_month(archive, HALL, "a2", MONDAY, at("12:00", WEDNESDAY))).records == ()


async def test_services_and_tickets_over_a_range(archive: Archive) -> None:
    log = await monday(archive)
    log.play(
        TUESDAY,
        [present("07:59"), issue("08:00"), issue("08:01"), desk("08:05", "call")],
    )
    log.play(
        TUESDAY, [desk("08:09", "finish"), ("08:10", "kiosk", "ticket.issue", {"service": "B"})]
    )
    log.tick(TUESDAY, "08:30")
    await log.archive(archive)
    now = at("08:30", TUESDAY)
    report = await services(archive, HALL, MONDAY, WEDNESDAY, now)
    a, b = report.services
    assert (a.service, a.issued, a.served, a.called) == ("A", 3, 2, 2)
    assert (a.wait_p50, a.wait_max) == (4.0, 5.0)
    assert (b.service, b.issued, b.served, b.wait_p50) == ("B", 1, 0, None)
    assert report.live
    assert [(d.service, d.first, d.issued) for d in report.days] == [
        ("A", MONDAY, 1),
        ("A", TUESDAY, 2),
        ("B", TUESDAY, 1),
    ]
    held = await tickets(archive, HALL, MONDAY, WEDNESDAY, now)
    assert [(t.day, t.number, t.outcome) for t in held.tickets] == [
        (MONDAY, "A001", "finished"),
        (TUESDAY, "A001", "finished"),
        (TUESDAY, "A002", "waiting"),
        (TUESDAY, "B001", "waiting"),
    ]
    assert held.tickets[1].staff == "a1" and held.tickets[1].wait_minutes == 5.0
    # Only Monday: a closed day, nothing live.
    monday_only = await tickets(archive, HALL, MONDAY, MONDAY, now)
    assert [t.number for t in monday_only.tickets] == ["A001"] and not monday_only.live


async def test_nothing_archived_is_a_sheet_of_zeros(archive: Archive) -> None:
    sheet = await attendance(
        archive, HALL, MONDAY, datetime.fromisoformat("2026-12-15T12:00+08:00")
    )
    assert [r.served for r in sheet.staff] == [0] * len(sheet.staff)
    assert {r.staff for r in sheet.staff} == {p.id for p in HALL.staff if p.role == "clerk"}
    future = await attendance(archive, HALL, date(2027, 3, 1), at("12:00", MONDAY))
    assert all(r.days == 0 for r in future.staff)
