"""HTML pages: each renders its view's context with the same partials the live socket sends."""

from __future__ import annotations

from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hall.api import hall_id, secure_request, services, set_session_cookie, staff_login
from hall.auth import COOKIE, LANG_COOKIE, Principal, authenticate
from hall.core.errors import DomainError
from hall.i18n import normalize_lang
from hall.kiosk import (
    kiosk_context,
    kiosk_setup_context,
    login_context,
    qr_svg,
    static_dir,
)
from hall.live.views import View, build_context
from hall.schedule import hall_day
from hall.screens import may_view
from hall.services import Services

YEAR = 365 * 86400


def lang_of(request: Request) -> str:
    return normalize_lang(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))


def html(request: Request, body: str, status: int = 200) -> Response:
    response = HTMLResponse(body, status_code=status)
    response.headers["cache-control"] = "no-store"
    if "lang" in request.query_params:  # remembered for the next page and the view socket
        response.set_cookie(LANG_COOKIE, lang_of(request), max_age=YEAR, samesite="lax")
    return response


async def who(request: Request, svc: Services) -> Principal | None:
    try:
        return await authenticate(request, svc.store, svc.settings)
    except DomainError:
        return None  # an expired session is the same as none: log in again


def to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def live_page(request: Request, view: View) -> Response:
    svc = services(request)
    hall = hall_id(request)
    principal = await who(request, svc)
    if principal is not None and principal.hall not in (None, hall):
        principal = None
    if not may_view(svc.halls[hall], view, principal.actor if principal else None):
        return to_login(request)
    feed = await svc.live.feed(hall)
    now = svc.engine.clock()
    lang = lang_of(request)
    viewer = principal.actor.staff if principal else None
    ctx = build_context(view, feed, lang, now, viewer, svc.views.system(hall))
    token = request.query_params.get("token", "")
    csrf = principal.csrf or "" if principal else ""
    page = svc.renderer.page(view.page, ctx, csrf=csrf, ws_token=token, viewer=viewer or "")
    return html(request, page)


async def wall(request: Request) -> Response:
    return await live_page(request, View("wall", "wall"))


async def director(request: Request) -> Response:
    return await live_page(request, View("director", "director"))


async def window(request: Request) -> Response:
    view = View.parse(f"window-{request.path_params['n']}")
    if view is None or services(request).halls[hall_id(request)].window(view.window or 0) is None:
        return html(request, "<h1>404</h1>", 404)
    return await live_page(request, view)


async def ticket_today(request: Request) -> Response:
    """The undated ticket page (old QR codes): today's ticket of that number."""
    svc = services(request)
    hall = hall_id(request)
    number = request.path_params["number"]
    if View.parse(f"ticket-{number}") is None:
        return html(request, "<h1>404</h1>", 404)
    today = hall_day(svc.halls[hall], svc.engine.clock())
    query = f"?{request.url.query}" if request.url.query else ""
    target = f"/halls/{quote(hall)}/tickets/{today.isoformat()}/{quote(number)}{query}"
    return RedirectResponse(target, status_code=303)


async def ticket(request: Request) -> Response:
    view = View.parse(f"ticket-{request.path_params['day']}-{request.path_params['number']}")
    if view is None:
        return html(request, "<h1>404</h1>", 404)
    return await live_page(request, view)


async def kiosk(request: Request) -> Response:
    svc = services(request)
    hall = hall_id(request)
    lang = lang_of(request)
    token = request.query_params.get("token", "")
    principal = await who(request, svc) if token else None
    if principal is None or principal.actor.kind not in ("kiosk", "admin"):
        setup = kiosk_setup_context(svc.halls[hall], lang, base_url=svc.settings.public_url)
        return html(request, svc.renderer.page("kiosk_setup", setup), 401)
    feed = await svc.live.feed(hall)
    now = svc.engine.clock()
    ctx = kiosk_context(svc.halls[hall], feed.public(now, detail=False), lang, now, token)
    return html(request, svc.renderer.page("kiosk", ctx))


async def ticket_qr(request: Request) -> Response:
    """The kiosk ticket's QR code: the resident page's address at the hall's public address
    (never the `Host` a request came with), with the ticket's key, drawn here (no network).
    Only for whoever holds the key: the kiosk that issued the ticket."""
    svc = services(request)
    hall = hall_id(request)
    day, number = request.path_params["day"], request.path_params["number"]
    view = View.parse(f"ticket-{day}-{number}")
    key = request.query_params.get("k", "")
    if view is None or view.day is None:
        return html(request, "<h1>404</h1>", 404)
    if not await svc.ticket_keys.check(hall, view.day, number, key):
        return html(request, "<h1>403</h1>", 403)
    path = f"/halls/{quote(hall)}/tickets/{day}/{quote(number)}?k={quote(key)}"
    svg = await anyio.to_thread.run_sync(qr_svg, svc.settings.public_url.rstrip("/") + path)
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})


def _local(next_url: str) -> str:
    return next_url if next_url.startswith("/") and not next_url.startswith("//") else "/"


async def login_page(request: Request) -> Response:
    svc = services(request)
    ctx = login_context(
        list(svc.halls.values()),
        lang_of(request),
        next_url=_local(request.query_params.get("next", "/")),
    )
    return html(request, svc.renderer.page("login", ctx))


async def login_form(request: Request) -> Response:
    svc = services(request)
    form = await request.form()
    hall, staff = str(form.get("hall", "")), str(form.get("staff", ""))
    next_url = _local(str(form.get("next", "/")))
    try:
        token, max_age = await staff_login(svc, hall, staff, str(form.get("pin", "")))
    except DomainError as e:
        error = {401: "bad_credentials", 429: "rate_limited"}.get(e.status, e.code)
        ctx = login_context(
            list(svc.halls.values()),
            lang_of(request),
            next_url=next_url,
            error=error,
            hall_id=hall or None,
            staff_id=staff or None,
        )
        return html(request, svc.renderer.page("login", ctx), e.status)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, token, max_age, secure_request(request, svc))
    return response


async def logout(request: Request) -> Response:
    svc = services(request)
    token = request.cookies.get(COOKIE)
    if token:
        await svc.store.revoke_token(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def index(request: Request) -> Response:
    halls = list(services(request).halls)
    return RedirectResponse(f"/halls/{halls[0]}/wall", status_code=303)


routes = [
    Route("/", index),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_form, methods=["POST"]),
    Route("/logout", logout),
    Route("/halls/{hall}/wall", wall),
    Route("/halls/{hall}/director", director),
    Route("/halls/{hall}/windows/{n:int}", window),
    Route("/halls/{hall}/tickets/{number}", ticket_today),
    Route("/halls/{hall}/tickets/{day}/{number}", ticket),
    Route("/halls/{hall}/tickets/{day}/{number}/qr.svg", ticket_qr),
    Route("/halls/{hall}/kiosk", kiosk),
    Mount("/static", StaticFiles(directory=str(static_dir())), name="static"),
]
