"""HTML pages: each renders its view's context with the same partials the live socket sends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hall.core.access import may_view
from hall.core.errors import DomainError, Invalid
from hall.kiosk import (
    device_setup_context,
    kiosk_check_context,
    kiosk_setup_context,
    no_printing,
    qr_svg,
    static_dir,
)
from hall.kiosk.contexts import MeContext, PageContext
from hall.live.channels import Screen, build_context
from hall.live.gate import Principal, authenticate
from hall.schedule import hall_day
from hall.web.duty_records import duty_records
from hall.web.inputs import hall_id, runtime
from hall.web.respond import html, lang_of
from hall.web.session import login_form, login_page, logout

if TYPE_CHECKING:
    from hall.runtime import Runtime


async def who(request: Request, hub: Runtime) -> Principal | None:
    try:
        return await authenticate(request, hub.credentials, hub.settings)
    except DomainError:
        return None  # an expired session is the same as none: log in again


def to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def holder(request: Request, hub: Runtime, hall: str) -> Principal | None:
    principal = await who(request, hub)
    if principal is not None and not principal.reaches(hall):
        return None  # a token of another hall is no token here
    return principal


def kiosk_setup(request: Request, hub: Runtime, hall: str) -> Response:
    """A kiosk page without a kiosk token: a device has no one to log in, say how to set
    it up."""
    base = hub.settings.public_url
    setup = kiosk_setup_context(hub.halls[hall], lang_of(request), base_url=base)
    return html(request, hub.renderer.page("kiosk_setup", setup), 401)


async def live_page(
    request: Request, view: Screen, adjust: Callable[[PageContext], PageContext] | None = None
) -> Response:
    """`adjust`: the page's own options (not its live parts), e.g. a kiosk without printer."""
    hub = runtime(request)
    hall = hall_id(request)
    principal = await holder(request, hub, hall)
    return await _live(request, hub, hall, view, principal, adjust)


async def _live(
    request: Request,
    hub: Runtime,
    hall: str,
    view: Screen,
    principal: Principal | None,
    adjust: Callable[[PageContext], PageContext] | None = None,
) -> Response:
    actor = principal.actor if principal else None
    cfg = hub.halls[hall]
    if not may_view(cfg, view.page, view.window, actor, view.staff, readonly=view.readonly):
        if view.page == "kiosk":
            return kiosk_setup(request, hub, hall)
        if view.page in ("rating", "display") and view.window is not None:  # counter devices
            device = device_setup_context(
                hub.halls[hall],
                view.page,  # type: ignore[arg-type]
                view.window,
                lang_of(request),
                base_url=hub.settings.public_url,
            )
            return html(request, hub.renderer.page("device_setup", device), 401)
        return to_login(request)
    feed = await hub.live.feed(hall)
    now = hub.now()
    lang = lang_of(request)
    viewer = principal.actor.staff if principal else None
    ctx = build_context(view, feed, lang, now, viewer, hub.channels.system(hall))
    if adjust is not None:
        ctx = adjust(ctx)
    token = request.query_params.get("token", "")
    csrf = principal.csrf or "" if principal else ""
    page = hub.renderer.page(view.page, ctx, csrf=csrf, ws_token=token, viewer=viewer or "")
    return html(request, page)


async def wall(request: Request) -> Response:
    return await live_page(request, Screen("wall", "wall"))


async def director(request: Request) -> Response:
    """The director's page; a supervisor of the hall gets it read-only (no buttons)."""
    hub = runtime(request)
    hall = hall_id(request)
    principal = await holder(request, hub, hall)
    supervisor = principal is not None and principal.actor.kind == "supervisor"
    view = Screen.parse("director-readonly" if supervisor else "director")
    assert view is not None
    return await _live(request, hub, hall, view, principal)


async def window(request: Request) -> Response:
    view = Screen.parse(f"window-{request.path_params['n']}")
    if view is None or runtime(request).halls[hall_id(request)].window(view.window or 0) is None:
        return html(request, "<h1>404</h1>", 404)
    return await live_page(request, view)


async def me(request: Request) -> Response:
    """`/me`: the duty page of whoever is signed in, in their session's hall."""
    hub = runtime(request)
    principal = await who(request, hub)
    staff = principal.actor.staff if principal else None
    if principal is not None and principal.actor.kind == "supervisor":
        return RedirectResponse("/overview", status_code=303)  # a supervisor has no posts
    if principal is None or staff is None or principal.hall not in hub.halls:
        return to_login(request)
    view = Screen(f"me-{staff}", "me", staff=staff)
    if not may_view(hub.halls[principal.hall], view.page, None, principal.actor, staff):
        return to_login(request)
    records = await duty_records(hub, principal.hall, staff, lang_of(request))

    def with_records(ctx: PageContext) -> PageContext:
        return replace(ctx, records=records) if isinstance(ctx, MeContext) else ctx

    return await _live(request, hub, principal.hall, view, principal, with_records)


async def counter_device(request: Request, device: str) -> Response:
    """A window's rating pad or the display above its counter: device pages with their
    token in the address (`?token=`), live."""
    view = Screen.parse(f"{device}-{request.path_params['n']}")
    if view is None or runtime(request).halls[hall_id(request)].window(view.window or 0) is None:
        return html(request, "<h1>404</h1>", 404)
    return await live_page(request, view)


async def rating_pad(request: Request) -> Response:
    return await counter_device(request, "rating")


async def window_display(request: Request) -> Response:
    return await counter_device(request, "display")


async def ticket_today(request: Request) -> Response:
    """The undated ticket page (old QR codes): today's ticket of that number."""
    hub = runtime(request)
    hall = hall_id(request)
    number = request.path_params["number"]
    if Screen.parse(f"ticket-{number}") is None:
        return html(request, "<h1>404</h1>", 404)
    today = hall_day(hub.halls[hall], hub.now())
    query = f"?{request.url.query}" if request.url.query else ""
    target = f"/halls/{quote(hall)}/tickets/{today.isoformat()}/{quote(number)}{query}"
    return RedirectResponse(target, status_code=303)


async def ticket(request: Request) -> Response:
    view = Screen.parse(f"ticket-{request.path_params['day']}-{request.path_params['number']}")
    if view is None:
        return html(request, "<h1>404</h1>", 404)
    return await live_page(request, view)


async def kiosk(request: Request) -> Response:
    """The ticket kiosk: a device page with its token in the address, live (it opens and
    closes with the hall by itself). It prints each ticket unless `print=0` (a kiosk without
    printer); `check=1` is its self-check page."""
    hall_id(request)  # 404 for an unknown hall comes first
    check, printing = (request.query_params.get(k) for k in ("check", "print"))
    if check not in (None, "1"):
        raise Invalid("invalid_field", f"check: 1 or absent, not {check!r}")
    if printing not in (None, "0", "1"):
        raise Invalid("invalid_field", f"print: 0 or 1, not {printing!r}")
    if check:
        return await kiosk_check(request)
    view = Screen("kiosk", "kiosk")
    return await live_page(request, view, adjust=no_printing if printing == "0" else None)


async def kiosk_check(request: Request) -> Response:
    """The kiosk's self-check, in the kiosk's own browser: silent printing and sound are
    measured by the page; the public address (the tickets' QR codes) is judged here."""
    hub = runtime(request)
    hall = hall_id(request)
    principal = await holder(request, hub, hall)
    if not may_view(hub.halls[hall], "kiosk", None, principal.actor if principal else None):
        return kiosk_setup(request, hub, hall)
    url = hub.settings.public_url
    ctx = kiosk_check_context(hub.halls[hall], lang_of(request), hub.now(), public_url=url)
    token = request.query_params.get("token", "")
    return html(request, hub.renderer.page("kiosk_check", ctx, ws_token=token))


async def ticket_qr(request: Request) -> Response:
    """The kiosk ticket's QR code: the resident page's address at the hall's public address
    (never the `Host` a request came with), with the ticket's key, drawn here (no network).
    Only for whoever holds the key: the kiosk that issued the ticket."""
    hub = runtime(request)
    hall = hall_id(request)
    day, number = request.path_params["day"], request.path_params["number"]
    view = Screen.parse(f"ticket-{day}-{number}")
    key = request.query_params.get("k", "")
    if view is None or view.day is None:
        return html(request, "<h1>404</h1>", 404)
    if not await hub.ticket_keys.check(hall, view.day, number, key):
        return html(request, "<h1>403</h1>", 403)
    path = f"/halls/{quote(hall)}/tickets/{day}/{quote(number)}?k={quote(key)}"
    svg = await anyio.to_thread.run_sync(qr_svg, hub.settings.public_url.rstrip("/") + path)
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})


async def index(request: Request) -> Response:
    halls = list(runtime(request).halls)
    return RedirectResponse(f"/halls/{halls[0]}/wall", status_code=303)


routes = [
    Route("/", index),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_form, methods=["POST"]),
    Route("/logout", logout),
    Route("/me", me),
    Route("/halls/{hall}/wall", wall),
    Route("/halls/{hall}/director", director),
    Route("/halls/{hall}/windows/{n:int}", window),
    Route("/halls/{hall}/windows/{n:int}/rating", rating_pad),
    Route("/halls/{hall}/windows/{n:int}/display", window_display),
    Route("/halls/{hall}/tickets/{number}", ticket_today),
    Route("/halls/{hall}/tickets/{day}/{number}", ticket),
    Route("/halls/{hall}/tickets/{day}/{number}/qr.svg", ticket_qr),
    Route("/halls/{hall}/kiosk", kiosk),
    Mount("/static", StaticFiles(directory=str(static_dir())), name="static"),
]
