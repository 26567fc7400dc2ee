"""JSON API routes (DESIGN section 4): thin handlers that parse, call the engine, answer."""

from __future__ import annotations

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
from hall.core import decode_command
from hall.core.commands import TicketIssue
from hall.core.errors import Invalid, NotFound
from hall.core.view import public_state
from hall.errors_http import TooLarge
from hall.kiosk import ticket_view
from hall.openapi import openapi_document
from hall.screens import check_log_reader, parse_after
from hall.services import Services
from hall.store.store import with_id

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
    svc = services(request)
    hall = hall_id(request)
    state, version = await svc.engine.current(hall)
    view = public_state(svc.halls[hall], state, svc.engine.clock(), version)
    return Response(_encoder.encode(view), media_type=JSON)


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
    public = public_state(svc.halls[hall], state, now, version)
    number = issued[-1]["ticket"]["number"]
    try:
        view = ticket_view(svc.halls[hall], public, number, now, base_url=str(request.base_url))
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
    try:
        body = msgspec.json.decode(raw)
    except msgspec.DecodeError as e:
        raise Invalid("malformed", f"body is not valid JSON: {e}") from None
    if not isinstance(body, dict):
        raise Invalid("malformed", "body must be a JSON object")
    try:
        creds = msgspec.convert(body, LoginBody)
    except msgspec.ValidationError as e:
        raise Invalid("invalid_field", str(e)) from None
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
]
