"""The director's records pages (docs/api.md, "The records pages"): the month's attendance
sheet (`/halls/{hall}/records?month=`), a clerk's month (`.../records/staff/{staff}?month=`)
and the services' figures (`.../records/services?from=&until=`). Still pages read from the
records database: parse, check who asks, call `hall.records.reports`, render.

Who: the director and the admin see everything; a clerk sees their own month (the sheet
sends them there) and gets 403 on anyone else's; anyone else (a supervisor, a device
token) gets 403 with a page saying so; nobody signed in goes to the login. A bad month,
day or range is 400 with the picker to choose again; the records database down is 503,
while the live hall goes on without it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hall.core.access import records_scope
from hall.core.errors import Forbidden, Invalid
from hall.i18n import t
from hall.kiosk.records_common import staff_href
from hall.kiosk.records_services import PICTURE_DAYS, services_context
from hall.kiosk.records_sheet import sheet_context
from hall.kiosk.records_staff import staff_month_context
from hall.live.gate import Principal
from hall.records.archive import split_id
from hall.records.errors import ArchiveError
from hall.records.replay import Replay
from hall.records.reports import MAX_DAYS, attendance, services, staff_month, tickets
from hall.schedule import hall_day
from hall.web.duty_records import plain
from hall.web.inputs import hall_id, runtime
from hall.web.pages import holder, to_login
from hall.web.respond import html, lang_of

if TYPE_CHECKING:
    from hall.runtime import Runtime

SEEN_WAIT = 5.0  # seconds a page waits for the records database to hold an event just sent
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STAFF = re.compile(r"[a-z0-9-]{1,64}")


async def _principal(request: Request, hub: Runtime, hall: str) -> Principal | Response:
    principal = await holder(request, hub, hall)
    return to_login(request) if principal is None else principal


def _scope(principal: Principal) -> tuple[bool, str | None]:
    """(may read the records at all, whose: None for everyone's, else the clerk's own)."""
    try:
        return True, records_scope(principal.actor)
    except Forbidden:
        return False, None


def parse_month(raw: str | None, today: date, lang: str) -> date:
    """`month=YYYY-MM` (default this month), not after this month, as its first day."""
    if raw is None:
        return today.replace(day=1)
    found = _MONTH.fullmatch(raw)
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        raise Invalid("invalid_field", t(lang, "records.error.month"))
    month = date(int(found[1]), int(found[2]), 1)
    if month > today:
        raise Invalid("invalid_field", t(lang, "records.error.future_month", month=raw))
    return month


def parse_range(request: Request, today: date, lang: str) -> tuple[date, date]:
    """`from=&until=` (default this month up to today): at most MAX_DAYS days, not after
    today."""

    def day(name: str, default: date) -> date:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            if _DAY.fullmatch(raw) is None:
                raise ValueError
            return date.fromisoformat(raw)
        except ValueError:
            raise Invalid("invalid_field", t(lang, "records.error.day")) from None

    first = day("from", today.replace(day=1))
    last = day("until", today)
    if last < first or last > today or (last - first) >= timedelta(days=MAX_DAYS):
        raise Invalid("invalid_field", t(lang, "records.error.range", days=MAX_DAYS))
    return first, last


async def caught_up(hub: Runtime, hall: str, seen: str | None, lang: str) -> None:
    """After an action the page asks with `seen=<event id>`: wait (a few seconds at most)
    until the records database holds that event, so the page shows what was just done."""
    if seen is None:
        return
    try:
        want = split_id(seen)
    except ValueError:
        raise Invalid("invalid_field", t(lang, "records.error.seen")) from None
    with anyio.move_on_after(SEEN_WAIT):
        while True:
            last = await hub.archive.last_id(hall)
            if last is not None and split_id(last) >= want:
                return
            await anyio.sleep(0.1)


def _page(request: Request, hub: Runtime, name: str, ctx: Any, status: int = 200,
          csrf: str = "") -> Response:  # fmt: skip
    return html(request, hub.renderer.page(name, ctx, csrf=csrf), status)


# -- the month's attendance sheet ----------------------------------------------------------


async def sheet_page(request: Request) -> Response:
    hub = runtime(request)
    hall = hall_id(request)
    found = await _principal(request, hub, hall)
    if isinstance(found, Response):
        return found
    cfg, lang, now = hub.halls[hall], lang_of(request), hub.now()
    today = hall_day(cfg, now)
    allowed, scope = _scope(found)

    def refused(month: date, status: int, key: str) -> Response:
        ctx = sheet_context(cfg, lang, now, month, None, error=t(lang, key), director=allowed)
        return _page(request, hub, "records", ctx, status)

    if not allowed:
        return refused(today, 403, "records.error.forbidden")
    try:
        month = parse_month(request.query_params.get("month"), today, lang)
    except Invalid as e:
        ctx = sheet_context(cfg, lang, now, today, None, error=e.message)
        return _page(request, hub, "records", ctx, 400)
    if scope is not None:  # a clerk: their own month
        return RedirectResponse(staff_href(cfg, scope, f"{month:%Y-%m}"), status_code=303)
    try:
        report = await attendance(hub.archive, cfg, month, now)
    except ArchiveError:
        return refused(month, 503, "records.error.records")
    return _page(request, hub, "records", sheet_context(cfg, lang, now, month, plain(report)))


# -- a clerk's month -----------------------------------------------------------------------


async def staff_page(request: Request) -> Response:
    hub = runtime(request)
    hall = hall_id(request)
    found = await _principal(request, hub, hall)
    if isinstance(found, Response):
        return found
    staff: str = request.path_params["staff"]
    cfg, lang, now = hub.halls[hall], lang_of(request), hub.now()
    today = hall_day(cfg, now)
    allowed, scope = _scope(found)
    director = allowed and scope is None
    viewer = found.actor.staff

    def context(month: date, report: dict[str, Any] | None, error: str = "") -> Any:
        return staff_month_context(cfg, lang, now, staff, month, report, viewer=viewer,
                                   director=director, error=error)  # fmt: skip

    def refused(month: date, status: int, key: str) -> Response:
        return _page(request, hub, "records_staff", context(month, None, t(lang, key)), status)

    if not allowed:
        return refused(today, 403, "records.error.forbidden")
    if scope is not None and scope != staff:
        return refused(today, 403, "records.error.own")
    try:
        month = parse_month(request.query_params.get("month"), today, lang)
        await caught_up(hub, hall, request.query_params.get("seen"), lang)
    except Invalid as e:
        return _page(request, hub, "records_staff", context(today, None, e.message), 400)
    if _STAFF.fullmatch(staff) is None:
        return refused(month, 404, "records.error.unknown_staff")
    try:
        report = await staff_month(hub.archive, cfg, staff, month, now)
    except ArchiveError:
        return refused(month, 503, "records.error.records")
    if cfg.person(staff) is None and not report.days:
        return refused(month, 404, "records.error.unknown_staff")
    csrf = found.csrf or ""
    return _page(request, hub, "records_staff", context(month, plain(report)), csrf=csrf)


# -- the services' figures -----------------------------------------------------------------


async def services_page(request: Request) -> Response:
    hub = runtime(request)
    hall = hall_id(request)
    found = await _principal(request, hub, hall)
    if isinstance(found, Response):
        return found
    cfg, lang, now = hub.halls[hall], lang_of(request), hub.now()
    today = hall_day(cfg, now)
    allowed, scope = _scope(found)
    month_start = today.replace(day=1)

    def refused(first: date, last: date, status: int, error: str) -> Response:
        ctx = services_context(cfg, lang, now, first, last, error=error)
        return _page(request, hub, "records_services", ctx, status)

    if not allowed or scope is not None:
        return refused(month_start, today, 403, t(lang, "records.error.forbidden"))
    try:
        first, last = parse_range(request, today, lang)
    except Invalid as e:
        return refused(month_start, today, 400, e.message)
    try:
        figures = await services(hub.archive, cfg, first, last, now)
        rows = await tickets(hub.archive, cfg, first, last, now)
        days: list[Any] = []
        if (last - first).days < PICTURE_DAYS:
            days = await Replay(hub.archive, cfg).timelines(first, last, now)
    except ArchiveError:
        return refused(first, last, 503, t(lang, "records.error.records"))
    ctx = services_context(
        cfg,
        lang,
        now,
        first,
        last,
        plain(figures),
        plain(rows)["tickets"],
        [msgspec.to_builtins(d) for d in days],
    )
    return _page(request, hub, "records_services", ctx)


routes: list[Route] = [
    Route("/halls/{hall}/records", sheet_page),
    Route("/halls/{hall}/records/services", services_page),
    Route("/halls/{hall}/records/staff/{staff}", staff_page),
]
