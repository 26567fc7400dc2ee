"""The district's overview over HTTP: the page `/overview` (live over `/ws/overview`) and
`GET /api/overview` (the same summaries as JSON, in the same order), for a supervisor (the
halls they supervise) and the admin (every hall)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hall.config import HallConfig
from hall.core.errors import DomainError
from hall.core.public import public_state
from hall.kiosk.overview import HallSummary, late_today, ranked, summarize, summary_json
from hall.live.overview import feeds_of, heading, scope
from hall.web.api import require
from hall.web.inputs import runtime
from hall.web.pages import to_login, who
from hall.web.respond import html, lang_of

if TYPE_CHECKING:
    from hall.runtime import Runtime

JSON = "application/json"
AT_ONCE = 32  # halls read from Redis together by one API call
_encoder = msgspec.json.Encoder()


async def overview_page(request: Request) -> Response:
    hub = runtime(request)
    principal = await who(request, hub)
    if principal is None:
        return to_login(request)
    try:
        halls = scope(hub, principal)
    except DomainError:
        return to_login(request)  # signed in as someone else: sign in as a supervisor
    lang = lang_of(request)
    feeds = await feeds_of(hub, halls)
    head = heading(hub.district, halls, lang)
    ctx = hub.overviews.summaries.context(feeds, lang, head, hub.now())
    token = request.query_params.get("token", "")
    page = hub.renderer.page("overview", ctx, csrf=principal.csrf or "", ws_token=token)
    return html(request, page)


async def overview_json(request: Request) -> Response:
    """`GET /api/overview`: every hall the caller oversees, the one needing someone most
    first, read from Redis (this hub need not follow them)."""
    hub = runtime(request)
    principal = await require(request)
    halls = scope(hub, principal)
    now = hub.now()
    summaries = await _summaries(hub, halls)
    district = hub.district
    body = {
        "district": {"id": district.id, "name": district.name, "name_en": district.name_en}
        if district
        else None,
        "at": now.astimezone(halls[0].tz) if halls else now,
        "halls": [summary_json(s, now) for s in ranked(summaries)],
    }
    return Response(_encoder.encode(body), media_type=JSON)


async def _summaries(hub: Runtime, halls: Sequence[HallConfig]) -> list[HallSummary]:
    now = hub.now()

    async def one(hall: HallConfig) -> HallSummary:
        state, version = await hub.engine.current(hall.id)
        return summarize(hall, public_state(hall, state, now, version), late_today(state))

    out: list[HallSummary] = []
    for i in range(0, len(halls), AT_ONCE):
        out += await asyncio.gather(*(one(h) for h in halls[i : i + AT_ONCE]))
    return out


routes = [
    Route("/overview", overview_page),
    Route("/api/overview", overview_json),
]
