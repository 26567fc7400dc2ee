"""JSON API routes (DESIGN section 4): thin handlers that parse, call the engine, answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hall import metrics
from hall.core import Actor, Unauthorized, decode_command
from hall.core.access import check_log_reader
from hall.core.commands import RatingGive, Reasons, TicketIssue, check_reasons
from hall.core.errors import Forbidden, Invalid, NotFound, Refused
from hall.core.public import public_state
from hall.kiosk import slip_for
from hall.live.gate import Principal, authenticate
from hall.live.sockets import check_after_in_log, parse_after
from hall.schedule import calendar_gap, hall_day
from hall.store.store import with_id
from hall.web.auth import check_csrf
from hall.web.inputs import decode_body, hall_id, read_body, runtime
from hall.web.openapi import openapi_document
from hall.web.session import login

JSON = "application/json"
_encoder = msgspec.json.Encoder()


async def require(request: Request) -> Principal:
    hub = runtime(request)
    principal = await authenticate(request, hub.credentials, hub.settings)
    if principal is None:
        raise Unauthorized("this needs a token: `Authorization: Bearer <token>`")
    return principal


async def healthz(request: Request) -> Response:
    hub = runtime(request)
    redis_up = await hub.store.ping()
    reader_up = hub.live.healthy and hub.inbox.healthy and hub.notifier.healthy
    lost = hub.engine.lost
    ok = redis_up and reader_up and not lost
    body: dict[str, object] = {
        "status": "ok" if ok else "down",
        "redis": "up" if redis_up else "down",
        "reader": "up" if reader_up else "down",
    }
    if lost:
        body["log"] = "lost"
        body["lost"] = lost
    # Not a fault of the live hall: commands, screens and rules go on without the records
    # database, and the log keeps every event until it is archived (so no 503 for it).
    archiver = hub.archiver
    lag = archiver.lag_seconds
    body["archive"] = {
        "database": "up" if archiver.database_up else "down",
        "lag_seconds": round(lag, 3) if lag is not None else None,
    }
    # A warning, not a fault: past its national calendar data a hall opens by its `days`.
    today = hub.now()
    gaps = {
        hall: f"national holiday data ends before {gap}: from then the hall opens by its days"
        for hall, cfg in hub.halls.items()
        if (gap := calendar_gap(cfg, hall_day(cfg, today))) is not None
    }
    if gaps:
        body["calendar"] = gaps
    # What this hub follows: the halls it serves, and those whose log it reads for screens.
    body["halls"] = {"configured": len(hub.halls), "tailed": len(hub.live.feeds)}
    if hub.reloader.last is not None:
        body["reload"] = hub.reloader.last.json()
    if hub.engine.conflicts:
        body["config_conflicts"] = sorted(hub.engine.conflicts)
    return JSONResponse(body, status_code=200 if ok else 503)


async def metrics_endpoint(request: Request) -> Response:
    return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")


async def list_halls(request: Request) -> Response:
    halls = [
        {"id": h.id, "name": h.name, "timezone": h.timezone}
        for h in runtime(request).halls.values()
    ]
    return JSONResponse({"halls": halls})


async def hall_state(request: Request) -> Response:
    """What the wall shows; with a staff, admin or integration token, the staff's detail too
    (away reasons, minutes, cover deadlines, alerts, leave); a supervisor's of the hall too
    (what its director's page shows them)."""
    hub = runtime(request)
    hall = hall_id(request)
    principal = await authenticate(request, hub.credentials, hub.settings)
    detail = False
    if principal is not None:
        principal.check_hall(hall)
        detail = principal.actor.kind in ("admin", "director", "clerk", "integration", "supervisor")
    state, version = await hub.engine.current(hall)
    view = public_state(hub.halls[hall], state, hub.now(), version, detail=detail)
    return Response(_encoder.encode(view), media_type=JSON)


class TicketRating(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    window: Annotated[int, msgspec.Meta(ge=1, le=999)]
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    reasons: Reasons = ()

    def __post_init__(self) -> None:
        check_reasons(self.score, self.reasons)


async def rate_ticket(request: Request) -> Response:
    """The resident rates their own ticket from its page: the QR link's key is the right."""
    hub = runtime(request)
    raw = await read_body(request, hub.settings.body_limit)
    hall = hall_id(request)
    rating = decode_body(raw, TicketRating)
    number = request.path_params["number"]
    try:
        day = date.fromisoformat(request.path_params["day"])
    except ValueError:
        raise NotFound("unknown_ticket", "not a ticket's day (YYYY-MM-DD)") from None
    if not await hub.ticket_keys.check(hall, day, number, rating.key):
        raise Forbidden("this is not the key of that ticket")
    if day != hall_day(hub.halls[hall], hub.now()):
        raise Refused("no_ticket", f"ticket {number} of {day} is not today's")
    hub.buckets.take(f"ticket:{hall}:{day}:{number}", hub.monotonic())
    command = RatingGive(
        id=rating.id,
        window=rating.window,
        score=rating.score,
        ticket=number,
        reasons=rating.reasons,
    )
    outcome = await hub.engine.submit(hall, command, Actor("resident", ticket=number))
    return Response(outcome.body, media_type=JSON)


async def hall_events(request: Request) -> Response:
    hub = runtime(request)
    principal = await require(request)
    hall = hall_id(request)
    principal.check_hall(hall)
    check_log_reader(principal.actor)
    after = parse_after(request.query_params.get("after"))
    raw_limit = request.query_params.get("limit", "100")
    if not (raw_limit.isascii() and raw_limit.isdigit()) or len(raw_limit) > 9:
        raise Invalid("invalid_field", f"limit: {raw_limit!r} is not a whole number (ASCII digits)")
    limit = int(raw_limit)
    if limit < 1:
        raise Invalid("invalid_field", "limit: must be at least 1")
    await check_after_in_log(hub.store, hall, after)
    events = await hub.store.read(hall, after, min(limit, 1000))
    last_id = events[-1][0] if events else after
    body = b'{"events":[' + b",".join(with_id(i, d) for i, d in events) + b'],"last_id":'
    body += _encoder.encode(last_id) + b"}"
    return Response(body, media_type=JSON)


async def post_command(request: Request) -> Response:
    hub = runtime(request)
    body = await read_body(request, hub.settings.body_limit)
    principal = await require(request)
    hall = hall_id(request)
    if principal.actor.kind != "admin":  # the operator's token is not throttled
        hub.buckets.take(principal.token, hub.monotonic())
    command = decode_command(body)
    principal.check_hall(hall)
    check_csrf(request, principal)
    outcome = await hub.engine.submit(hall, command, principal.actor, principal.sender)
    body = outcome.body
    if isinstance(command, TicketIssue):
        body = await _with_slip(request, hall, body, fresh=outcome.repeated)
    return Response(body, media_type=JSON)


async def _with_slip(request: Request, hall: str, body: bytes, *, fresh: bool) -> bytes:
    """The kiosk prints the slip (`ticket_view`): people ahead, the wait, a QR code. It is
    made now, after a repeat too: the resident's place as it is now."""
    hub = runtime(request)
    issued = [e for e in msgspec.json.decode(body)["events"] if e["type"] == "ticket.issued"]
    if not issued:
        return body
    seen = None if fresh else hub.engine.last_seen(hall)  # just written by this hub
    state, version = seen or await hub.engine.current(hall)
    cfg = hub.halls[hall]
    ticket = issued[-1]["ticket"]
    day = datetime.fromisoformat(ticket["issued_at"]).astimezone(cfg.tz).date()
    key = await hub.ticket_keys.key(hall, day, ticket["number"])
    base = hub.settings.public_url
    slip = slip_for(cfg, state, version, ticket["number"], hub.now(), base_url=base, key=key)
    if slip is None:  # already called by the time we looked
        return body
    return body[:-1] + b',"ticket_view":' + _encoder.encode(slip) + b"}"


async def openapi(request: Request) -> Response:
    hub = runtime(request)
    return JSONResponse(openapi_document(hub.version, request.app.routes, list(hub.halls)))


routes = [
    Route("/healthz", healthz),
    Route("/metrics", metrics_endpoint),
    Route("/api/openapi.json", openapi),
    Route("/api/login", login, methods=["POST"]),
    Route("/api/halls", list_halls),
    Route("/api/halls/{hall}/state", hall_state),
    Route("/api/halls/{hall}/events", hall_events),
    Route("/api/halls/{hall}/commands", post_command, methods=["POST"]),
    Route("/api/halls/{hall}/tickets/{day}/{number}/rating", rate_ticket, methods=["POST"]),
]
