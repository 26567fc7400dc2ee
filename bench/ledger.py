"""The ledger's figures for bench/records.py: the month's attendance sheet of one hall, cold
(its days folded from the archive and sealed) and warm (read back sealed), and a year of
20 halls warm, on one records database.

Data: 22 working days (March 2026, the Kaiyuan hall's calendar) simulated by
bench/simulated.py (the demo's people through the pure core, twice the demo's residents,
appeals filed and decided), archived with stream ids made from the events' times. The year:
20 copies of the Kaiyuan hall, each day of 2026 sealed with the rows the ledger folds from
one of the month's simulated days (in turn; the other days with no rows), as the books seal
them: writing a year of 20 halls' events (~12 M) would take far longer than reading it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
from simulated import simulate

import hall as hall_package
from hall.config import HallConfig, load_halls
from hall.core import Event
from hall.records.archive import Archive
from hall.records.books import SEAL, SERVICE_DAY, STAFF_DAY, Books, Seal
from hall.records.databases import archive_for
from hall.records.ledger import DayLedger, fingerprint, fold_day
from hall.records.reports import attendance, services, sheet, staff_month
from hall.schedule import day_start, sessions_on
from tests.support.records import as_archived

MONTH = date(2026, 3, 1)  # 22 working days at Kaiyuan (national holidays and 调休 counted)
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
CHUNK = 5000
_encode = msgspec.json.Encoder().encode


def kaiyuan() -> HallConfig:
    return load_halls(Path(hall_package.__file__).parent / "halls")["kaiyuan"]


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await call()
    return (time.perf_counter() - start) * 1000, result


async def warm(call: Callable[[], Awaitable[Any]], runs: int = 5) -> float:
    """The median of `runs` timed calls, in ms."""
    return statistics.median([(await timed(call))[0] for _ in range(runs)])


def generate(quick: bool) -> tuple[list[tuple[date, list[Event]]], float]:
    start = time.perf_counter()
    days = list(simulate(kaiyuan(), MONTH + timedelta(days=1), 5 if quick else 22))
    return days, time.perf_counter() - start


async def ledger_figures(
    name: str, database_url: str, folder: Path, days: list[tuple[date, list[Event]]], quick: bool
) -> None:
    hall = kaiyuan()
    archive = archive_for(database_url, folder)
    await archive.open()
    try:
        events = [e for _, day_events in days for e in day_events]
        start = time.perf_counter()
        archived = as_archived(events)
        for i in range(0, len(archived), CHUNK):
            await archive.append(hall.id, archived[i : i + CHUNK])
        written = time.perf_counter() - start
        print(f"{name}: {len(archived):,} events archived in {written:.1f} s")

        now = day_start(hall, days[-1][0]) + timedelta(hours=12)  # the morning after the last
        cold, sheet_ = await timed(lambda: attendance(archive, hall, MONTH, now))
        warm_ms = await warm(lambda: attendance(archive, hall, MONTH, now))
        clerk = max(sheet_.staff, key=lambda r: r.late_arrivals + r.late_absences)
        month_ms = await warm(lambda: staff_month(archive, hall, clerk.staff, MONTH, now))
        services_ms = await warm(lambda: services(archive, hall, MONTH, days[-1][0], now))
        served = sum(r.served for r in sheet_.staff)
        print(
            f"{name}: month's attendance sheet, one hall ({len(sheet_.staff)} clerks, "
            f"{served:,} served): cold {cold:.0f} ms (folding and sealing), warm {warm_ms:.1f} ms "
            f"(target <= 200 ms); a clerk's month {month_ms:.1f} ms; services {services_ms:.1f} ms"
        )
        print(
            f"{name}: e.g. {clerk.name}: 迟到（到岗）{clerk.late_arrivals} 次 "
            f"{clerk.late_arrival_minutes} 分钟, 离岗未顶岗 {clerk.late_absences} 次, 离岗 "
            f"{clerk.absences} 次, 申诉中 {clerk.appealed}, 撤销 {clerk.voided}, 办件 "
            f"{clerk.served}, 满意率 {clerk.satisfaction}"
        )

        halls = 3 if quick else 20
        folds = [fold_day(hall, day, [(str(i), e) for i, e in enumerate(evs)]) for day, evs in days]
        working = [f for f in folds if f.staff]
        start = time.perf_counter()
        copies = [msgspec.structs.replace(hall, id=f"kaiyuan-{n:02d}") for n in range(halls)]
        for copy in copies:
            await seal_year(archive, copy, working)
        sealed = time.perf_counter() - start
        later = day_start(hall, YEAR[1] + timedelta(days=1)) + timedelta(hours=12)

        async def year_sheets() -> int:
            rows = 0
            for copy in copies:
                books = Books(archive, copy, later)
                rows += len(sheet(copy, *YEAR, await books.staff_days(*YEAR)))
            return rows

        async def year_services() -> None:
            for copy in copies:
                await services(archive, copy, *YEAR, later)

        year_ms = await warm(year_sheets, 3)
        year_services_ms = await warm(year_services, 3)
        print(
            f"{name}: a year of {halls} halls (sealed in {sealed:.1f} s), warm: attendance "
            f"{year_ms:.0f} ms (target <= 2000 ms), services {year_services_ms:.0f} ms"
        )
    finally:
        await archive.close()


async def seal_year(archive: Archive, hall: HallConfig, working: list[DayLedger]) -> None:
    """Every day of YEAR sealed as the books would: a working day (by the hall's calendar)
    with the rows of one of the simulated days, in turn; any other day with none."""
    seal = {SEAL: _encode(Seal(fingerprint(hall, {})))}
    day, n = YEAR[0], 0
    while day <= YEAR[1]:
        staff: dict[str, bytes] = {}
        service: dict[str, bytes] = {}
        if sessions_on(hall, day):
            ledger = working[n % len(working)]
            n += 1
            staff = {k: _moved(r, day) for k, r in ledger.staff.items()}
            service = {k: _moved(r, day) for k, r in ledger.services.items()}
        await archive.put_rows(hall.id, STAFF_DAY, day, staff | seal, replace=True)
        await archive.put_rows(hall.id, SERVICE_DAY, day, service | seal, replace=True)
        day += timedelta(days=1)


def _moved(row: msgspec.Struct, day: date) -> bytes:
    return _encode(msgspec.structs.replace(row, day=day))
