"""The day replay over HTTP: the hall's state at a past moment (`GET /api/halls/{hall}/records
/replay?at=ISO`), the director's replay page (`/halls/{hall}/records/replay?day=&minute=`)
and the wall as it was at a minute (`.../records/replay/wall`: the page's frame, or with
`parts=1` the wall's fragments the page script swaps in). All from the records database:
503 while it does not answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from hall.core.access import check_replay_reader
from hall.core.errors import DomainError, Forbidden, Invalid
from hall.core.public import public_state
from hall.i18n import t
from hall.kiosk import wall_context
from hall.kiosk.calls import CALL_LOG_TYPES
from hall.kiosk.replay import DAY_MINUTES, moment_at, replay_context
from hall.records.errors import ArchiveError
from hall.records.replay import Moment, Replay
from hall.schedule import hall_day
from hall.web.api import require
from hall.web.headers import CSP
from hall.web.inputs import hall_id, runtime
from hall.web.pages import holder, to_login
from hall.web.respond import html, lang_of

if TYPE_CHECKING:
    from hall.runtime import Runtime

JSON = "application/json"
WALL_CALLS = 48  # the wall's calls and what ended them, as a live feed keeps them
# The wall's frame may be shown by this site's own pages (the replay page), by no other.
FRAMED = {
    "content-security-policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
    "x-frame-options": "SAMEORIGIN",
}
_encoder = msgspec.json.Encoder()


class RecordsUnavailable(DomainError):
    status = 503

    def __init__(self, error: ArchiveError) -> None:
        super().__init__("unavailable", f"the records database is unavailable: {error}")


# -- the API -------------------------------------------------------------------------------


async def replay_state(request: Request) -> Response:
    """The public state (with the staff's detail) as it was at `at`."""
    hub = runtime(request)
    hall = hall_id(request)
    principal = await require(request)
    principal.check_hall(hall)
    check_replay_reader(principal.actor)
    at = parse_moment(request.query_params.get("at"), hub.now())
    cfg = hub.halls[hall]
    moment = await _at(hub, hall, at)
    view = public_state(cfg, moment.state, moment.at, moment.last_id, detail=True)
    return Response(_encoder.encode(view), media_type=JSON)


def parse_moment(raw: str | None, now: datetime) -> datetime:
    """`at`: ISO 8601 with its UTC offset, not after now. A `+` sent unencoded in a query
    string arrives as a space: read back as the offset's sign."""
    if not raw:
        raise Invalid("invalid_field", "at: required, e.g. at=2026-03-02T10:30:00%2B08:00")
    text = raw.strip().replace(" ", "+") if "T" in raw else raw
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("invalid_field", f"at: {raw!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise Invalid("invalid_field", f"at: {raw!r} has no UTC offset (e.g. +08:00)")
    if at > now:
        raise Invalid("invalid_field", f"at: {raw!r} is in the future")
    return at


async def _at(hub: Runtime, hall: str, at: datetime) -> Moment:
    try:
        return await Replay(hub.archive, hub.halls[hall]).at(at)
    except ArchiveError as e:
        raise RecordsUnavailable(e) from e


# -- the pages -----------------------------------------------------------------------------


async def replay_page(request: Request) -> Response:
    hub = runtime(request)
    hall = hall_id(request)
    denied = await _denied(request, hub, hall)
    if denied is not None:
        return denied
    cfg, lang, now = hub.halls[hall], lang_of(request), hub.now()
    try:
        day, minute = _day_and_minute(request, hub, hall)
    except Invalid as e:
        ctx = replay_context(cfg, lang, now, None, error=e.message)
        return html(request, hub.renderer.page("replay", ctx), 400)
    try:
        month = await Replay(hub.archive, cfg).timelines(day.replace(day=1), day, now)
    except ArchiveError:
        ctx = replay_context(cfg, lang, now, day, error=_say(lang, "replay.error.records"))
        return html(request, hub.renderer.page("replay", ctx), 503)
    plain: list[dict[str, Any]] = msgspec.to_builtins(month)
    ctx = replay_context(cfg, lang, now, day, minute=minute, timeline=plain[-1], month=plain)
    return html(request, hub.renderer.page("replay", ctx))


async def replay_wall(request: Request) -> Response:
    """The wall as it was at the end of `minute` of `day` (or now, if earlier): the wall's
    own page without its scripts (a still picture), or its fragments with `parts=1`."""
    hub = runtime(request)
    hall = hall_id(request)
    denied = await _denied(request, hub, hall)
    if denied is not None:
        return denied
    parts = request.query_params.get("parts")
    if parts not in (None, "1"):
        raise Invalid("invalid_field", f"parts: 1 or absent, not {parts!r}")
    day, minute = _day_and_minute(request, hub, hall)
    cfg, now = hub.halls[hall], hub.now()
    moment = await _at(hub, hall, moment_at(cfg, day, minute or 0, now))
    state = public_state(cfg, moment.state, moment.at, moment.last_id, detail=False)
    calls = [
        {"id": event_id, **msgspec.to_builtins(event)}
        for event_id, event in moment.events
        if event.__struct_config__.tag in CALL_LOG_TYPES
    ][-WALL_CALLS:]
    ctx = wall_context(cfg, state, calls, lang_of(request), moment.at)
    ctx = replace(ctx, page=replace(ctx.page, ws_url=None))  # a still picture: no socket
    if parts:
        body = "".join(hub.renderer.fragments("wall", ctx).values())
    else:
        body = hub.renderer.page("replay_wall", ctx)
    response: HTMLResponse = html(request, body)  # type: ignore[assignment]
    response.headers.update(FRAMED)
    return response


async def _denied(request: Request, hub: Runtime, hall: str) -> Response | None:
    """Director and admin only: no one signed in goes to the login, others get 403."""
    principal = await holder(request, hub, hall)
    if principal is None:
        return to_login(request)
    try:
        check_replay_reader(principal.actor)
    except Forbidden:
        lang = lang_of(request)
        error = _say(lang, "replay.error.forbidden")
        ctx = replay_context(hub.halls[hall], lang, hub.now(), None, error=error)
        return html(request, hub.renderer.page("replay", ctx), 403)
    return None


def _day_and_minute(request: Request, hub: Runtime, hall: str) -> tuple[date, int | None]:
    today = hall_day(hub.halls[hall], hub.now())
    raw_day, raw_minute = (request.query_params.get(k) for k in ("day", "minute"))
    lang = lang_of(request)
    try:
        day = date.fromisoformat(raw_day) if raw_day else today
    except ValueError:
        raise Invalid("invalid_field", _say(lang, "replay.error.day")) from None
    if day > today:
        raise Invalid("invalid_field", _say(lang, "replay.error.future", day=day.isoformat()))
    minute: int | None = None
    if raw_minute is not None:
        if not (raw_minute.isascii() and raw_minute.isdigit()) or len(raw_minute) > 4:
            raise Invalid("invalid_field", _say(lang, "replay.error.minute"))
        minute = int(raw_minute)
        if minute >= DAY_MINUTES:
            raise Invalid("invalid_field", _say(lang, "replay.error.minute"))
    return day, minute


def _say(lang: str, key: str, **params: object) -> str:
    return t(lang, key, **params)


routes = [
    Route("/api/halls/{hall}/records/replay", replay_state),
    Route("/halls/{hall}/records/replay", replay_page),
    Route("/halls/{hall}/records/replay/wall", replay_wall),
]
