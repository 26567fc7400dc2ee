"""HTML pages: each renders its view's context with the same partials the live socket sends."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hall.core.access import may_view
from hall.core.errors import DomainError
from hall.kiosk import device_setup_context, kiosk_setup_context, qr_svg, static_dir
from hall.live.channels import Screen, build_context
from hall.live.gate import Principal, authenticate
from hall.schedule import hall_day
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


async def live_page(request: Request, view: Screen) -> Response:
    hub = runtime(request)
    hall = hall_id(request)
    principal = await who(request, hub)
    if principal is not None and principal.hall not in (None, hall):
        principal = None  # a token of another hall is no token here
    return await _live(request, hub, hall, view, principal)


async def _live(
    request: Request, hub: Runtime, hall: str, view: Screen, principal: Principal | None
) -> Response:
    actor = principal.actor if principal else None
    if not may_view(hub.halls[hall], view.page, view.window, actor, view.staff):
        if view.page == "kiosk":  # a device: no one to log in, say how to set it up
            base = hub.settings.public_url
            setup = kiosk_setup_context(hub.halls[hall], lang_of(request), base_url=base)
            return html(request, hub.renderer.page("kiosk_setup", setup), 401)
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
    token = request.query_params.get("token", "")
    csrf = principal.csrf or "" if principal else ""
    page = hub.renderer.page(view.page, ctx, csrf=csrf, ws_token=token, viewer=viewer or "")
    return html(request, page)


async def wall(request: Request) -> Response:
    return await live_page(request, Screen("wall", "wall"))


async def director(request: Request) -> Response:
    return await live_page(request, Screen("director", "director"))


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
    if principal is None or staff is None or principal.hall not in hub.halls:
        return to_login(request)
    return await _live(
        request, hub, principal.hall, Screen(f"me-{staff}", "me", staff=staff), principal
    )


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
    closes with the hall by itself)."""
    return await live_page(request, Screen("kiosk", "kiosk"))


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
