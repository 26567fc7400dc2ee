"""Signing in: a staff member's PIN checked (rate-limited per staff id) and a session opened,
as a bearer token (`POST /api/login`) and a session cookie; the `/login` form and
`/logout` for the pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from hall.core import Unauthorized
from hall.core.errors import DomainError, NotFound
from hall.kiosk import login_context
from hall.limits import RateLimited
from hall.live.gate import COOKIE
from hall.store.credentials import staff_claims
from hall.web.inputs import decode_body, read_body, runtime
from hall.web.respond import html, lang_of

if TYPE_CHECKING:
    from hall.runtime import Runtime

LOGIN_LIMIT = 5  # failed PINs a minute for one staff id


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    hall: str
    staff: str
    pin: str


async def staff_login(hub: Runtime, hall: str, staff: str, pin: str) -> tuple[str, int]:
    """Check a PIN and open a session: (token, seconds)."""
    cfg = hub.halls.get(hall)
    if cfg is None:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    person = cfg.person(staff)
    creds = hub.credentials
    if person is not None and await creds.login_failures(hall, staff) >= LOGIN_LIMIT:
        raise RateLimited(f"too many wrong PINs for {staff}; wait a minute", 60)
    if person is None or not await creds.check_pin(hall, staff, pin):
        if person is not None:
            await creds.login_failed(hall, staff)
        raise Unauthorized("wrong staff id or PIN")
    await creds.login_reset(hall, staff)
    seconds = hub.settings.session_hours * 3600
    token = await creds.issue_token(hall, staff_claims(hall, staff, person.role), seconds)
    return token, seconds


def secure_request(request: Request, hub: Runtime) -> bool:
    """Secure cookies behind TLS: set explicitly, or seen through the proxy's headers."""
    return hub.settings.secure_cookies or request.url.scheme == "https"


def set_session_cookie(response: Response, token: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )


async def login(request: Request) -> Response:
    """`POST /api/login`: {hall, staff, pin} -> {token}, and the session cookie."""
    hub = runtime(request)
    creds = decode_body(await read_body(request, hub.settings.body_limit), LoginBody)
    token, max_age = await staff_login(hub, creds.hall, creds.staff, creds.pin)
    response = JSONResponse({"token": token})
    set_session_cookie(response, token, max_age, secure_request(request, hub))
    return response


def local_path(next_url: str) -> str:
    """`next` only within this site."""
    return next_url if next_url.startswith("/") and not next_url.startswith("//") else "/"


async def login_page(request: Request) -> Response:
    hub = runtime(request)
    ctx = login_context(
        list(hub.halls.values()),
        lang_of(request),
        next_url=local_path(request.query_params.get("next", "/")),
    )
    return html(request, hub.renderer.page("login", ctx))


async def login_form(request: Request) -> Response:
    hub = runtime(request)
    form = await request.form()
    hall, staff = str(form.get("hall", "")), str(form.get("staff", ""))
    next_url = local_path(str(form.get("next", "/")))
    try:
        token, max_age = await staff_login(hub, hall, staff, str(form.get("pin", "")))
    except DomainError as e:
        error = {401: "bad_credentials", 429: "rate_limited"}.get(e.status, e.code)
        ctx = login_context(
            list(hub.halls.values()),
            lang_of(request),
            next_url=next_url,
            error=error,
            hall_id=hall or None,
            staff_id=staff or None,
        )
        return html(request, hub.renderer.page("login", ctx), e.status)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, token, max_age, secure_request(request, hub))
    return response


async def logout(request: Request) -> Response:
    hub = runtime(request)
    token = request.cookies.get(COOKIE)
    if token:
        await hub.credentials.revoke_token(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
