"""JSON API routes (DESIGN section 4): thin handlers that parse, call the engine, answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hall import metrics
from hall.auth import (
    COOKIE,
    Principal,
    RateLimited,
    Unauthorized,
    authenticate,
    check_csrf,
    staff_claims,
)
from hall.core import Actor, decode_command
from hall.core.commands import RatingGive, TicketIssue
from hall.core.errors import Forbidden, Invalid, NotFound, Refused
from hall.core.view import public_state
from hall.errors_http import TooLarge
from hall.kiosk import ticket_view
from hall.openapi import openapi_document
from hall.schedule import calendar_gap, hall_day
from hall.screens import check_log_reader, parse_after
from hall.services import Services
from hall.store.store import with_id

T = TypeVar("T")
JSON = "application/json"
LOGIN_LIMIT = 5  # failed PINs a minute for one staff id
_encoder = msgspec.json.Encoder()


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(limit)
    return bytes(body)


def hall_id(request: Request) -> str:
    hall: str = request.path_params["hall"]
    if hall not in services(request).halls:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    return hall


async def require(request: Request) -> Principal:
    svc = services(request)
    principal = await authenticate(request, svc.store, svc.settings)
    if principal is None:
        raise Unauthorized("this needs a token: `Authorization: Bearer <token>`")
    return principal


async def healthz(request: Request) -> Response:
    svc = services(request)
    redis_up = await svc.store.ping()
    reader_up = svc.live.healthy and svc.inbox.healthy
    lost = svc.engine.lost
    ok = redis_up and reader_up and not lost
    body: dict[str, object] = {
        "status": "ok" if ok else "down",
        "redis": "up" if redis_up else "down",
        "reader": "up" if reader_up else "down",
    }
    if lost:
        body["log"] = "lost"
        body["lost"] = lost
    # A warning, not a fault: past its national calendar data a hall opens by its `days`.
    today = svc.engine.clock()
    gaps = {
        hall: f"national holiday data ends before {gap}: from then the hall opens by its days"
        for hall, cfg in svc.halls.items()
        if (gap := calendar_gap(cfg, hall_day(cfg, today))) is not None
    }
    if gaps:
        body["calendar"] = gaps
    return JSONResponse(body, status_code=200 if ok else 503)


async def metrics_endpoint(request: Request) -> Response:
    return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")


async def list_halls(request: Request) -> Response:
    halls = [
        {"id": h.id, "name": h.name, "timezone": h.timezone}
        for h in services(request).halls.values()
    ]
    return JSONResponse({"halls": halls})


async def hall_state(request: Request) -> Response:
    """What the wall shows; with a staff, admin or integration token, the staff's detail too
    (away reasons, minutes, cover deadlines, alerts, leave)."""
    svc = services(request)
    hall = hall_id(request)
    principal = await authenticate(request, svc.store, svc.settings)
    detail = False
    if principal is not None:
        principal.check_hall(hall)
        detail = principal.actor.kind in ("admin", "director", "clerk", "integration")
    state, version = await svc.engine.current(hall)
    view = public_state(svc.halls[hall], state, svc.engine.clock(), version, detail=detail)
    return Response(_encoder.encode(view), media_type=JSON)


class TicketRating(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    window: Annotated[int, msgspec.Meta(ge=1, le=999)]
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None


async def rate_ticket(request: Request) -> Response:
    """The resident rates their own ticket from its page: the QR link's key is the right."""
    svc = services(request)
    raw = await read_body(request, svc.settings.body_limit)
    hall = hall_id(request)
    rating = _decode(raw, TicketRating)
    number = request.path_params["number"]
    try:
        day = date.fromisoformat(request.path_params["day"])
    except ValueError:
        raise NotFound("unknown_ticket", "not a ticket's day (YYYY-MM-DD)") from None
    if not await svc.ticket_keys.check(hall, day, number, rating.key):
        raise Forbidden("this is not the key of that ticket")
    if day != hall_day(svc.halls[hall], svc.engine.clock()):
        raise Refused("no_ticket", f"ticket {number} of {day} is not today's")
    svc.buckets.take(f"ticket:{hall}:{day}:{number}", svc.monotonic())
    command = RatingGive(id=rating.id, window=rating.window, score=rating.score, ticket=number)
    outcome = await svc.engine.submit(hall, command, Actor("resident", ticket=number))
    return Response(outcome.body, media_type=JSON)


def _decode(raw: bytes, kind: type[T]) -> T:
    try:
        body = msgspec.json.decode(raw)
    except msgspec.DecodeError as e:
        raise Invalid("malformed", f"body is not valid JSON: {e}") from None
    if not isinstance(body, dict):
        raise Invalid("malformed", "body must be a JSON object")
    try:
        return msgspec.convert(body, kind)
    except msgspec.ValidationError as e:
        raise Invalid("invalid_field", str(e)) from None


async def hall_events(request: Request) -> Response:
    svc = services(request)
    principal = await require(request)
    hall = hall_id(request)
    principal.check_hall(hall)
    check_log_reader(principal.actor)
    after = parse_after(request.query_params.get("after"))
    raw_limit = request.query_params.get("limit", "100")
    try:
        limit = int(raw_limit)
    except ValueError:
        raise Invalid("invalid_field", f"limit: {raw_limit!r} is not a whole number") from None
    if limit < 1:
        raise Invalid("invalid_field", "limit: must be at least 1")
    events = await svc.store.read(hall, after, min(limit, 1000))
    last_id = events[-1][0] if events else after
    body = b'{"events":[' + b",".join(with_id(i, d) for i, d in events) + b'],"last_id":'
    body += _encoder.encode(last_id) + b"}"
    return Response(body, media_type=JSON)


async def post_command(request: Request) -> Response:
    svc = services(request)
    body = await read_body(request, svc.settings.body_limit)
    principal = await require(request)
    hall = hall_id(request)
    if principal.actor.kind != "admin":  # the operator's token is not throttled
        svc.buckets.take(principal.token, svc.monotonic())
    command = decode_command(body)
    principal.check_hall(hall)
    check_csrf(request, principal)
    outcome = await svc.engine.submit(hall, command, principal.actor)
    body = outcome.body
    if isinstance(command, TicketIssue):
        body = await _with_ticket_view(request, svc, hall, body, fresh=outcome.repeated)
    return Response(body, media_type=JSON)


async def _with_ticket_view(
    request: Request, svc: Services, hall: str, body: bytes, *, fresh: bool
) -> bytes:
    """The kiosk prints what `ticket_view` says: people ahead, the wait, a QR code. It is
    computed now (after a repeat too: the resident's place as it is now)."""
    issued = [e for e in msgspec.json.decode(body)["events"] if e["type"] == "ticket.issued"]
    if not issued:
        return body
    seen = None if fresh else svc.engine.last_seen(hall)  # just written by this hub
    state, version = seen or await svc.engine.current(hall)
    now = svc.engine.clock()
    public = public_state(svc.halls[hall], state, now, version, detail=False)
    ticket = issued[-1]["ticket"]
    number = ticket["number"]
    day = datetime.fromisoformat(ticket["issued_at"]).astimezone(svc.halls[hall].tz).date()
    key = await svc.ticket_keys.key(hall, day, number)
    base = svc.settings.public_url
    try:
        view = ticket_view(svc.halls[hall], public, number, now, base_url=base, key=key)
    except KeyError:  # already called by the time we looked
        return body
    return body[:-1] + b',"ticket_view":' + _encoder.encode(view) + b"}"


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    hall: str
    staff: str
    pin: str


async def login(request: Request) -> Response:
    svc = services(request)
    raw = await read_body(request, svc.settings.body_limit)
    creds = _decode(raw, LoginBody)
    token, max_age = await staff_login(svc, creds.hall, creds.staff, creds.pin)
    response = JSONResponse({"token": token})
    set_session_cookie(response, token, max_age, secure_request(request, svc))
    return response


async def staff_login(svc: Services, hall: str, staff: str, pin: str) -> tuple[str, int]:
    """Check a PIN (rate-limited per staff id) and open a session: (token, seconds)."""
    cfg = svc.halls.get(hall)
    if cfg is None:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    person = cfg.person(staff)
    if person is not None and await svc.store.login_failures(hall, staff) >= LOGIN_LIMIT:
        raise RateLimited(f"too many wrong PINs for {staff}; wait a minute", 60)
    if person is None or not await svc.store.check_pin(hall, staff, pin):
        if person is not None:
            await svc.store.login_failed(hall, staff)
        raise Unauthorized("wrong staff id or PIN")
    await svc.store.login_reset(hall, staff)
    seconds = svc.settings.session_hours * 3600
    token = await svc.store.issue_token(hall, staff_claims(hall, staff, person.role), seconds)
    return token, seconds


def secure_request(request: Request, svc: Services) -> bool:
    """Secure cookies behind TLS: set explicitly, or seen through the proxy's headers."""
    return svc.settings.secure_cookies or request.url.scheme == "https"


def set_session_cookie(response: Response, token: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(services(request).version))


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
