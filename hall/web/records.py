"""The records API (docs/api.md, "Records"): the month's attendance sheet, the services'
figures, a clerk's month and the tickets, as JSON, and the sheet and the tickets as CSV and
XLSX. Thin handlers: parse, check who asks, call `hall.records.reports`, answer.

The director and the admin read everything; a clerk reads their own month, and the
attendance sheet answers them their own row only; anyone else is 403. Checks run as the
contract orders them: 401, 404 hall, 400, 403, 404 staff. The records database down is 503
`unavailable` (`hall.web.errors`); the live hall does not need it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hall.config import HallConfig
from hall.core.access import records_scope
from hall.core.errors import Forbidden, Invalid, NotFound
from hall.core.model import Actor
from hall.records.reports import (
    MAX_DAYS,
    Attendance,
    TicketReport,
    attendance,
    services,
    staff_month,
    tickets,
)
from hall.schedule import hall_day
from hall.web.api import require
from hall.web.exports import (
    CSV_TYPE,
    XLSX_TYPE,
    Table,
    attendance_table,
    filename,
    tickets_table,
    to_csv,
    to_xlsx,
)
from hall.web.inputs import hall_id, runtime
from hall.web.respond import lang_of

JSON = "application/json"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STAFF = re.compile(r"[a-z0-9-]{1,64}")
_encode = msgspec.json.Encoder().encode


async def _asker(request: Request) -> tuple[HallConfig, Actor]:
    """The hall asked about and who asks (401, 404 hall). Whose records they may read is
    checked after the parameters (`records_scope`: 403), as the contract orders."""
    hub = runtime(request)
    principal = await require(request)
    hall = hall_id(request)
    principal.check_hall(hall)
    return hub.halls[hall], principal.actor


def _month(request: Request, hall: HallConfig) -> date:
    """`?month=YYYY-MM` (default: this month in the hall's time zone) as its first day."""
    raw = request.query_params.get("month")
    if raw is None:
        return hall_day(hall, runtime(request).now()).replace(day=1)
    found = _MONTH.fullmatch(raw)
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        raise Invalid("invalid_field", f"month: {raw[:40]!r} is not a month (YYYY-MM)")
    return date(int(found[1]), int(found[2]), 1)


def _day(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        if _DAY.fullmatch(raw) is None:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid("invalid_field", f"{name}: {raw[:40]!r} is not a date (YYYY-MM-DD)") from None


def _range(request: Request, hall: HallConfig) -> tuple[date, date]:
    """`?from=YYYY-MM-DD&until=YYYY-MM-DD` (inclusive; default today, and `until` = `from`),
    at most MAX_DAYS days."""
    first = _day(request, "from", hall_day(hall, runtime(request).now()))
    last = _day(request, "until", first)
    if last < first:
        raise Invalid("invalid_field", f"until: {last} is before from ({first})")
    if (last - first) >= timedelta(days=MAX_DAYS):
        raise Invalid("invalid_field", f"until: a range is at most {MAX_DAYS} days")
    return first, last


def _everyone(actor: Actor, what: str) -> None:
    if records_scope(actor) is not None:
        raise Forbidden(f"{what} are for the director")


def _json(body: msgspec.Struct) -> Response:
    return Response(_encode(body), media_type=JSON, headers={"cache-control": "no-store"})


def _file(table: Table, kind: str, name: str) -> Response:
    body, media = (to_csv(table), CSV_TYPE) if kind == "csv" else (to_xlsx(table), XLSX_TYPE)
    headers = {
        "content-disposition": f'attachment; filename="{name}.{kind}"',
        "cache-control": "no-store",
    }
    return Response(body, media_type=media, headers=headers)


async def _attendance(request: Request) -> tuple[HallConfig, Attendance]:
    hall, actor = await _asker(request)
    month = _month(request, hall)
    scope = records_scope(actor)
    hub = runtime(request)
    report = await attendance(hub.archive, hall, month, hub.now())
    if scope is not None:  # a clerk: their own row only
        own = tuple(row for row in report.staff if row.staff == scope)
        report = msgspec.structs.replace(report, staff=own)
    return hall, report


async def attendance_json(request: Request) -> Response:
    _, report = await _attendance(request)
    return _json(report)


async def _attendance_file(request: Request, kind: str) -> Response:
    hall, report = await _attendance(request)
    table = attendance_table(report, hall, lang_of(request))
    return _file(table, kind, filename(hall.id, "attendance", report.month))


async def attendance_csv(request: Request) -> Response:
    return await _attendance_file(request, "csv")


async def attendance_xlsx(request: Request) -> Response:
    return await _attendance_file(request, "xlsx")


async def services_json(request: Request) -> Response:
    hall, actor = await _asker(request)
    first, last = _range(request, hall)
    _everyone(actor, "the services' figures")
    hub = runtime(request)
    return _json(await services(hub.archive, hall, first, last, hub.now()))


async def _tickets(request: Request) -> tuple[HallConfig, TicketReport]:
    hall, actor = await _asker(request)
    first, last = _range(request, hall)
    _everyone(actor, "the tickets")
    hub = runtime(request)
    return hall, await tickets(hub.archive, hall, first, last, hub.now())


async def tickets_json(request: Request) -> Response:
    _, report = await _tickets(request)
    return _json(report)


async def _tickets_file(request: Request, kind: str) -> Response:
    hall, report = await _tickets(request)
    table = tickets_table(report, hall, lang_of(request))
    return _file(table, kind, filename(hall.id, "tickets", report.first, report.last))


async def tickets_csv(request: Request) -> Response:
    return await _tickets_file(request, "csv")


async def tickets_xlsx(request: Request) -> Response:
    return await _tickets_file(request, "xlsx")


async def staff_json(request: Request) -> Response:
    hall, actor = await _asker(request)
    month = _month(request, hall)
    staff: str = request.path_params["staff"]
    scope = records_scope(actor)
    if scope is not None and scope != staff:
        raise Forbidden("a clerk reads their own records only")
    if _STAFF.fullmatch(staff) is None:
        raise NotFound("unknown_staff", f"hall {hall.id} has no staff {staff[:64]!r}")
    hub = runtime(request)
    report = await staff_month(hub.archive, hall, staff, month, hub.now())
    if hall.person(staff) is None and not report.days:
        raise NotFound("unknown_staff", f"hall {hall.id} has no staff {staff!r} that month")
    return _json(report)


RECORDS = "/api/halls/{hall}/records"
routes = [
    Route(f"{RECORDS}/attendance", attendance_json),
    Route(f"{RECORDS}/attendance.csv", attendance_csv),
    Route(f"{RECORDS}/attendance.xlsx", attendance_xlsx),
    Route(f"{RECORDS}/services", services_json),
    Route(f"{RECORDS}/tickets", tickets_json),
    Route(f"{RECORDS}/tickets.csv", tickets_csv),
    Route(f"{RECORDS}/tickets.xlsx", tickets_xlsx),
    Route(f"{RECORDS}/staff/{{staff}}", staff_json),
]
