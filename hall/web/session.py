"""Signing in: a staff member's PIN checked (rate-limited per staff id) and a session opened,
as a bearer token (`POST /api/login`) and a session cookie; the `/login` form (which lands
each person on their own place when no page asked for the login) and `/logout` (also
"switch user": `?next=` a page, the next person signs in for it)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from hall.core import Unauthorized
from hall.core.errors import DomainError, NotFound
from hall.kiosk import home_path, login_context
from hall.limits import RateLimited
from hall.live.gate import COOKIE, check_origin
from hall.store.credentials import staff_claims
from hall.web.inputs import decode_body, read_body, runtime
from hall.web.respond import html, lang_of

if TYPE_CHECKING:
    from hall.runtime import Runtime


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    hall: str
    staff: str
    pin: str


async def staff_login(
    hub: Runtime, hall: str, staff: str, pin: str, client: str
) -> tuple[str, int]:
    """Check a PIN and open a session: (token, seconds). Each check is counted before it is
    made (per staff id, per client, per both: `hall.store.keys`), and an unknown staff id
    costs what a known one does: the same counting, a scrypt of a dummy hash. `hall` may
    be the district's id: a supervisor signs in there, and their session carries the halls
    they supervise (as the district file says at sign-in)."""
    cfg = hub.halls.get(hall)
    district = hub.district if hub.district is not None and hub.district.id == hall else None
    if cfg is None and district is None:
        raise NotFound("unknown_hall", f"there is no hall {hall!r}")
    creds = hub.credentials
    wait = await creds.reserve_check(hall, staff[:64], client)
    if wait is not None:
        raise RateLimited(f"too many PIN checks for {staff} or from here; wait a minute", wait)
    person = cfg.person(staff) if cfg else None
    supervisor = district.supervisor(staff) if district else None
    known = person is not None or supervisor is not None
    right = await creds.check_pin(hall, staff if known else "", pin)  # "": a dummy hash
    if not known or not right:
        raise Unauthorized("wrong staff id or PIN")
    await creds.release_check(hall, staff, client)
    seconds = hub.settings.session_hours * 3600
    if supervisor is not None:
        claims = {**staff_claims(hall, staff, "supervisor"), "halls": list(supervisor.halls)}
    else:
        assert person is not None
        claims = staff_claims(hall, staff, person.role)
    token = await creds.issue_token(hall, claims, seconds)
    return token, seconds


def client_of(request: Request) -> str:
    """The caller's address (behind a proxy, from its `X-Forwarded-For`: uvicorn trusts it
    from `FORWARDED_ALLOW_IPS`)."""
    return request.client.host if request.client else "unknown"


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
    check_origin(request, hub.settings.origins)  # no logging a browser in from elsewhere
    creds = decode_body(await read_body(request, hub.settings.body_limit), LoginBody)
    token, max_age = await staff_login(hub, creds.hall, creds.staff, creds.pin, client_of(request))
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
        district=hub.district,
    )
    return html(request, hub.renderer.page("login", ctx))


async def login_form(request: Request) -> Response:
    hub = runtime(request)
    check_origin(request, hub.settings.origins)  # login CSRF: a form posted from elsewhere
    form = await request.form()
    hall, staff = str(form.get("hall", "")), str(form.get("staff", ""))
    next_url = local_path(str(form.get("next", "/")))
    try:
        pin = str(form.get("pin", ""))
        token, max_age = await staff_login(hub, hall, staff, pin, client_of(request))
    except DomainError as e:
        error = {401: "bad_credentials", 429: "rate_limited"}.get(e.status, e.code)
        ctx = login_context(
            list(hub.halls.values()),
            lang_of(request),
            next_url=next_url,
            error=error,
            hall_id=hall or None,
            staff_id=staff or None,
            district=hub.district,
        )
        return html(request, hub.renderer.page("login", ctx), e.status)
    if next_url == "/":  # no page asked for this login: the person's own place
        next_url = home_path(hub.halls[hall], staff) if hall in hub.halls else "/overview"
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, token, max_age, secure_request(request, hub))
    return response


async def logout(request: Request) -> Response:
    """End the session on every hub; `?next=` (a page of this site): the login form for it,
    so the next person on a shared tablet signs in for the same window."""
    hub = runtime(request)
    token = request.cookies.get(COOKIE)
    if token:
        await hub.credentials.revoke_token(token)
    next_url = local_path(request.query_params.get("next", "/"))
    target = "/login" if next_url == "/" else f"/login?next={quote(next_url, safe='')}"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
